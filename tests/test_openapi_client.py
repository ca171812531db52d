"""A client generated from the OpenAPI document, as a user would make one, works.

openapi-python-client generates a Python client from the document the service serves
(the service runs as its image does, tooling/image.py); every operation is called
through it, with the typed request models it made, and answers with typed results.
"""

import importlib
import inspect
import json
import subprocess
import sys
import typing
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tooling.environment import COMMAND_TIMEOUT, tool
from tooling.image import RunningService, run_like_the_image
from tooling.template import render

pytestmark = pytest.mark.pipeline

PACKAGE = "task_service_client"
# No ruff over the generated code: it is read here, not kept.
GENERATOR_CONFIG = {"project_name_override": "task-service-client", "post_hooks": []}
REQUEST_TIMEOUT = 10


def generate_client(document: dict[str, Any], folder: Path) -> Path:
    """Generate a client package for the document into `folder`; return the package's parent."""
    (folder / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "config.json").write_text(json.dumps(GENERATOR_CONFIG), encoding="utf-8")
    output = folder / "client"
    result = subprocess.run(
        [
            tool("openapi-python-client"),
            "generate",
            "--path=openapi.json",
            "--config=config.json",
            f"--output-path={output}",
            "--meta=none",
            "--fail-on-warning",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # With no project metadata the output folder is the package itself.
    (folder / "site").mkdir()
    output.rename(folder / "site" / PACKAGE)
    return folder / "site"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """A fresh render's service, run as its image runs it, against its own PostgreSQL."""
    folder = tmp_path_factory.mktemp("openapi-client")
    with run_like_the_image(render(folder / "render"), folder / "run") as running:
        yield running


@pytest.fixture(scope="module")
def document(service: RunningService) -> dict[str, Any]:
    """The OpenAPI document the running service serves."""
    with urllib.request.urlopen(f"{service.url}/openapi.json", timeout=REQUEST_TIMEOUT) as answer:
        loaded: dict[str, Any] = json.load(answer)
        return loaded


@pytest.fixture(scope="module")
def client_package(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """The generated client, importable while the module's tests run."""
    site = generate_client(document, tmp_path_factory.mktemp("generated"))
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(site))
        yield importlib.import_module(PACKAGE)
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every operation of the document by its operationId."""
    return {
        operation["operationId"]: operation
        for path in document["paths"].values()
        for operation in path.values()
    }


def api_module(operation: dict[str, Any]) -> ModuleType:
    """The generated module of an operation: api/<its first tag>/<its operationId>."""
    tag = operation["tags"][0]
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation['operationId']}")


def test_every_request_body_is_a_typed_model_without_the_read_only_fields(
    document: dict[str, Any], client_package: ModuleType
) -> None:
    with_bodies = {key: op for key, op in operations(document).items() if "requestBody" in op}
    assert set(with_bodies) == {"create_task", "update_task"}

    wrong = {}
    for operation_id, operation in with_bodies.items():
        body = typing.get_type_hints(api_module(operation).sync_detailed)["body"]
        if not inspect.isclass(body) or not body.__module__.startswith(f"{PACKAGE}.models."):
            wrong[operation_id] = f"an untyped body: {body}"
        elif (inputs := set(inspect.signature(body).parameters)) != {"title", "completed"}:
            wrong[operation_id] = f"{body.__name__}({', '.join(sorted(inputs))})"
    assert not wrong, wrong


@pytest.fixture
def client(service: RunningService, client_package: ModuleType) -> Iterator[Any]:
    """The generated client of the running service, its connections closed afterwards."""
    with client_package.Client(base_url=service.url, raise_on_unexpected_status=True) as client:
        yield client


def test_every_operation_works_through_the_generated_client(
    document: dict[str, Any], client_package: ModuleType, client: Any
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    api = {key: api_module(operation) for key, operation in operations(document).items()}
    called = set()

    def call(operation_id: str, **arguments: Any) -> Any:
        """Call an operation and return its whole response, status, headers and parsed body."""
        called.add(operation_id)
        return api[operation_id].sync_detailed(client=client, **arguments)

    health = call("health")
    assert health.status_code == 200
    assert isinstance(health.parsed, models.HealthResponseHealth)
    ready = call("ready")
    assert ready.status_code == 200
    assert isinstance(ready.parsed, models.ReadyResponseReady)
    scrape = call("metrics")
    assert scrape.status_code == 200
    assert isinstance(scrape.parsed, str)

    created = call("create_task", body=models.TaskCreate(title="Write the release notes"))
    assert created.status_code == 201, created.content
    task = created.parsed
    assert isinstance(task, models.Task)
    assert (task.title, task.completed) == ("Write the release notes", False)
    assert created.headers["location"] == f"/tasks/{task.id}"

    listed = call("list_tasks", limit=10, offset=0)
    assert listed.status_code == 200
    assert task.id in [each.id for each in listed.parsed]
    assert all(isinstance(each, models.Task) for each in listed.parsed)

    got = call("get_task", task_id=task.id)
    assert got.status_code == 200
    assert got.parsed == task

    changed = call("update_task", task_id=task.id, body=models.TaskUpdate(completed=True))
    assert changed.status_code == 200, changed.content
    assert isinstance(changed.parsed, models.Task)
    assert (changed.parsed.title, changed.parsed.completed) == (task.title, True)
    renamed = call("update_task", task_id=task.id, body=models.TaskUpdate(title="Publish them"))
    assert renamed.status_code == 200, renamed.content
    assert (renamed.parsed.title, renamed.parsed.completed) == ("Publish them", True)

    deleted = call("delete_task", task_id=task.id)
    assert deleted.status_code == 204
    gone = call("get_task", task_id=task.id)
    assert gone.status_code == 404
    assert isinstance(gone.parsed, models.Problem)
    assert gone.parsed.status == 404

    assert called == set(api), f"not called through the client: {set(api) - called}"


def test_the_service_still_ignores_read_only_fields_a_client_sends(
    service: RunningService,
) -> None:
    sent = {"title": "Sent back", "id": 10**9, "created_at": "1999-01-01T00:00:00Z"}
    request = urllib.request.Request(
        f"{service.url}/tasks",
        data=json.dumps(sent).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as answer:
        assert answer.status == 201
        stored = json.load(answer)

    assert stored["title"] == "Sent back"
    assert stored["id"] != sent["id"]
    assert stored["created_at"] != sent["created_at"]
