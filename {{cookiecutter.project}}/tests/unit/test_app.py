"""The ASGI entry point the server runs."""

from __future__ import annotations

from {{ cookiecutter.__package }}.app import TITLE
from {{ cookiecutter.__package }}.main import app


def test_main_exposes_the_task_api() -> None:
    paths = app.openapi()["paths"]

    assert app.title == TITLE
    assert set(paths) == {"/health", "/ready", "/tasks", "/tasks/{task_id}"}
