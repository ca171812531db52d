"""Errors as problems: an unforeseen one gives nothing away; a resource's 400 stays its own."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from {{ cookiecutter.__package }}.tasks.repository import get_task_repository

from .fakes import BrokenRepository


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


class Note(BaseModel):
    title: str = Field(min_length=1)


@pytest.mark.parametrize("path", ["/notes", "/tasks-archive"])
def test_a_resources_400_rule_does_not_reach_another_resources_routes(
    app: FastAPI, path: str
) -> None:
    @app.post(path)
    async def create_note(note: Note) -> Note:
        return note

    with TestClient(app) as client:
        response = client.post(path, json={})  # no title: the tasks' rule would say 400

    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "title"]
