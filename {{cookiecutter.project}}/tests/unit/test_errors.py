"""An error the service did not foresee is a 500 problem that gives nothing away."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.tasks.repository import get_task_repository


class BrokenRepository:
    async def get(self, task_id: int) -> None:
        msg = "secret internals: password=hunter2"
        raise RuntimeError(msg)


def test_an_unexpected_error_is_a_500_problem_without_internals(app: FastAPI) -> None:
    app.dependency_overrides[get_task_repository] = BrokenRepository
    # As a server would: the exception reaches the log, not the client.
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/tasks/1")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "the service failed to answer this request",
    }
