"""Liveness, readiness and the task routes without a database, with the database faked."""

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.app import create_app

from .service import UNIT_SETTINGS, app_on_a_lost_database


def test_health_answers_without_a_database(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


# /tasks runs the real repository, on the lifespan's database: the unavailable fake.
@pytest.mark.parametrize("path", ["/ready", "/tasks"])
def test_while_the_database_is_unavailable_the_routes_that_need_it_answer_503(path: str) -> None:
    with TestClient(app_on_a_lost_database()) as client:
        response = client.get(path)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json() == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "the database is unavailable, retry later",
    }


@pytest.mark.parametrize("path", ["/ready", "/tasks"])
def test_the_app_without_its_lifespan_says_how_to_start_it(path: str) -> None:
    response = TestClient(create_app(UNIT_SETTINGS)).get(path)  # no `with`: no lifespan
    assert response.status_code == 500
    assert "with TestClient(app) as client:" in response.json()["detail"]
