"""Liveness and readiness, with the database faked."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.dependencies import get_database

from .fakes import FakeDatabase


def test_health_answers_without_a_database(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("available", "status_code", "body"),
    [
        (True, 200, {"status": "ready"}),
        (False, 503, {"detail": "the database is unavailable, retry later"}),
    ],
)
def test_ready_follows_the_database(
    app: FastAPI, client: TestClient, available: bool, status_code: int, body: dict[str, str]
) -> None:
    app.dependency_overrides[get_database] = lambda: FakeDatabase(available=available)

    response = client.get("/ready")

    assert response.status_code == status_code
    assert response.json() == body
