"""The app, what it serves at its edge, and the OpenAPI document it publishes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.app import API_TITLE, create_app
from {{ cookiecutter.__package }}.settings import DEFAULT_MAX_REQUEST_BODY_BYTES

from .fakes import InMemoryTaskRepository
from .service import UNIT_SETTINGS, app_with_fakes

app = create_app(UNIT_SETTINGS)

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def test_the_app_serves_the_task_api() -> None:
    paths = app.openapi()["paths"]

    assert app.title == API_TITLE
    assert set(paths) == {"/health", "/ready", {% if cookiecutter.include_metrics %}"/metrics", {% endif %}"/tasks", "/tasks/{task_id}"}


def error_responses(operation: dict[str, Any]) -> dict[str, Any]:
    return {code: response for code, response in operation["responses"].items() if int(code) >= 400}


def test_every_documented_error_is_a_problem() -> None:
    document = app.openapi()
    operations = [op for path in document["paths"].values() for op in path.values()]

    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for operation in operations:
        errors = error_responses(operation)
        assert "500" in errors, operation["operationId"]
        for response in errors.values():
            assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}


def test_each_operation_documents_the_statuses_it_answers() -> None:
    paths = app.openapi()["paths"]
    documented = {
        (method.upper(), path): sorted(operation["responses"])
        for path, operations in paths.items()
        for method, operation in operations.items()
    }

    assert documented == {
        ("GET", "/health"): ["200", "500"],
{%- if cookiecutter.include_metrics %}
        ("GET", "/metrics"): ["200", "500"],
{%- endif %}
        ("GET", "/ready"): ["200", "500", "503"],
        ("POST", "/tasks"): ["201", "400", "408", "413", "422", "500", "503"],
        ("GET", "/tasks"): ["200", "422", "500", "503"],
        ("GET", "/tasks/{task_id}"): ["200", "404", "422", "500", "503"],
        ("PATCH", "/tasks/{task_id}"): ["200", "400", "404", "408", "413", "422", "500", "503"],
        ("DELETE", "/tasks/{task_id}"): ["204", "404", "422", "500", "503"],
    }


def test_a_created_task_links_to_where_it_can_be_read_changed_and_deleted() -> None:
    created = app.openapi()["paths"]["/tasks"]["post"]["responses"]["201"]

    assert "Location" in created["headers"]
    assert {link["operationId"] for link in created["links"].values()} == {
        "get_task",
        "update_task",
        "delete_task",
    }


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, declared: bool) -> None:
    body = b"x" * (DEFAULT_MAX_REQUEST_BODY_BYTES + 1)

    response = client.post("/tasks", content=body if declared else iter([body]))

    assert response.status_code == 413
    assert response.headers["connection"] == "close"


def test_serve_docs_serves_the_documentation_pages(repository: InMemoryTaskRepository) -> None:
    settings = UNIT_SETTINGS.model_copy(update={"serve_docs": True})

    with TestClient(app_with_fakes(repository, settings)) as client:
        assert [client.get(page).status_code for page in ("/docs", "/redoc")] == [200, 200]
