"""The Kubernetes manifests (deploy/) agree with the service, its image and each other.

kubernetes-validate, in the lint gate, checks them against Kubernetes' schemas; these
tests check what no schema knows: the grace period outlasts the server's own shutdown,
the probes ask the service's health routes, the migrations run before the service.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.serve import SHUTDOWN_SLACK_SECONDS
from {{ cookiecutter.__package }}.settings import Settings

from .service import UNIT_SETTINGS

PROJECT = Path(__file__).parents[2]
DEPLOY = PROJECT / "deploy"
IMAGE_USER = re.compile(r"^USER (?P<uid>\d+)$", re.MULTILINE)
MIGRATE_COMMAND = ["python", "-m", "{{ cookiecutter.__package }}.migrate"]
DATABASE_SECRET = {
    "name": "{{ cookiecutter.project }}-database",
    "key": "DATABASE_URL",
}


def load(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pod() -> Any:
    return load("deployment.yaml")["spec"]["template"]["spec"]


def containers(pod: Any) -> list[Any]:
    """The pod's containers, init containers included."""
    return [*pod["containers"], *pod["initContainers"]]


def container(pod: Any, name: str) -> Any:
    [found] = [each for each in containers(pod) if each["name"] == name]
    return found


def environment(container: Any) -> dict[str, Any]:
    return {variable["name"]: variable for variable in container.get("env", [])}


def test_kustomize_applies_every_manifest_and_sets_the_image(pod: Any) -> None:
    kustomization = load("kustomization.yaml")

    manifests = {path.name for path in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(manifests)
    [image] = kustomization["images"]
    assert {each["image"] for each in containers(pod)} == {image["name"]}


def test_the_image_is_set_by_digest_never_by_tag() -> None:
    [image] = load("kustomization.yaml")["images"]

    assert "newTag" not in image
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image["digest"])


def test_the_grace_period_outlasts_the_pause_and_the_servers_own_shutdown(pod: Any) -> None:
    service = container(pod, "service")
    overrides = {
        name: item["value"] for name, item in environment(service).items() if "value" in item
    }
    settings = Settings.model_validate(
        UNIT_SETTINGS.model_dump() | {name.lower(): value for name, value in overrides.items()}
    )
    pause = service["lifecycle"]["preStop"]["sleep"]["seconds"]
    server_shutdown = (
        settings.db_command_timeout + settings.db_pool_close_timeout + SHUTDOWN_SLACK_SECONDS
    )

    assert pod["terminationGracePeriodSeconds"] > pause + server_shutdown


def test_the_probes_ask_the_health_routes_on_the_served_port(pod: Any) -> None:
    service = container(pod, "service")
    routes = create_app(UNIT_SETTINGS).openapi()["paths"]
    [port] = service["ports"]

    assert service["livenessProbe"]["httpGet"]["path"] == "/health"
    assert service["startupProbe"]["httpGet"]["path"] == "/health"
    assert service["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert {"/health", "/ready"} <= routes.keys()
    for probe in ("livenessProbe", "startupProbe", "readinessProbe"):
        assert service[probe]["httpGet"]["port"] == port["name"]
    assert port["containerPort"] == Settings.model_fields["port"].default


def test_the_migrations_run_once_before_the_service(pod: Any) -> None:
    [migrate] = pod["initContainers"]
    service = container(pod, "service")

    assert migrate["command"] == MIGRATE_COMMAND
    assert environment(service)["RUN_MIGRATIONS"]["value"] == "false"
    for each in (migrate, service):
        secret = environment(each)["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert secret == DATABASE_SECRET


def test_every_container_runs_as_the_images_user_on_a_read_only_root(pod: Any) -> None:
    match = IMAGE_USER.search((PROJECT / "Dockerfile").read_text(encoding="utf-8"))
    assert match is not None

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == int(match["uid"])
    for each in containers(pod):
        assert each["securityContext"]["readOnlyRootFilesystem"] is True
        assert each["securityContext"]["allowPrivilegeEscalation"] is False
        assert each["resources"]["limits"]["cpu"] == each["resources"]["requests"]["cpu"]
