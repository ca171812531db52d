"""The app, and the OpenAPI document it publishes."""

from __future__ import annotations

from typing import Any

from {{ cookiecutter.__package }}.app import API_TITLE, create_app

from .service import UNIT_SETTINGS

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
