"""One log line per request, and the request's id on its response and on every line."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.tasks.repository import get_task_repository

from ..service_log import service_logging
from .fakes import InMemoryTaskRepository
from .service import UNIT_SETTINGS, app_with_fakes

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


class BrokenRepository:
    async def get(self, task_id: int) -> None:
        logging.getLogger("tests.broken").warning("about to fail")
        msg = "secret internals"
        raise RuntimeError(msg)


def test_each_request_is_one_line_naming_its_route_template_not_its_path(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        created = client.post("/tasks", json={"title": "Observe"}).json()
        client.get(f"/tasks/{created['id']}")
        client.get("/nowhere/42")

    first, second, third = log.requests()
    assert first | {"duration_ms": 0, "request_id": ""} == {
        "event": "request",
        "level": "info",
        "method": "POST",
        "route": "/tasks",
        "status": 201,
        "duration_ms": 0,
        "client": "testclient",
        "request_id": "",
        "timestamp": first["timestamp"],
    }
    assert isinstance(first["timestamp"], float)
    assert first["duration_ms"] > 0
    assert (second["method"], second["route"], second["status"]) == ("GET", "/tasks/{task_id}", 200)
    assert (third["route"], third["status"]) == (None, 404)


def test_a_sane_request_id_is_kept_echoed_and_logged(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = "7d0c6a52-1f5e-4a7b-9d6e-2b8f1a3c4e5d"
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        response = client.get("/tasks/1", headers={"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id
    (line,) = log.requests()
    assert line["request_id"] == request_id


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("x" * 129, id="too-long"),
        pytest.param("id with spaces", id="spaces"),
        pytest.param('"}{"admin":true', id="json-breaking"),
        pytest.param("line\tbreak", id="control"),
    ],
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(
    app: FastAPI, capsys: pytest.CaptureFixture[str], sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        response = client.get("/health", headers=headers)

    echoed = response.headers["x-request-id"]
    assert GENERATED_ID.fullmatch(echoed)
    (line,) = log.requests()
    assert line["request_id"] == echoed


def test_every_request_gets_a_different_id(app: FastAPI) -> None:
    with TestClient(app) as client:
        ids = {client.get("/health").headers["x-request-id"] for _ in range(20)}

    assert len(ids) == 20


def test_answers_given_before_routing_carry_the_id_and_are_logged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = app_with_fakes(
        InMemoryTaskRepository(), UNIT_SETTINGS.model_copy(update={"max_request_body_bytes": 10})
    )
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        response = client.post("/tasks", json={"title": "far more than ten bytes"})

    assert response.status_code == 413
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
    (line,) = log.requests()
    # Refused before any route ran, and logged under the route it was meant for.
    assert (line["route"], line["status"]) == ("/tasks", 413)


def test_a_method_of_the_clients_choosing_is_logged_cut_short(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        client.request("A" * 100_000, "/tasks")

    (line,) = log.requests()
    assert line["status"] == 405
    assert line["method"].startswith("AAAA")
    assert len(line["method"]) < 200


def test_an_unexpected_error_is_one_error_line_with_the_traceback_and_the_id(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    app.dependency_overrides[get_task_repository] = BrokenRepository
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        response = client.get("/tasks/1", headers={"X-Request-ID": "broken-1"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "broken-1"
    (warning,) = [event for event in log.events() if event.get("logger") == "tests.broken"]
    (request,) = log.requests()
    # The code that served the request logged through the standard library: its line
    # carries the request's id too.
    assert warning | {"timestamp": 0} == {
        "event": "about to fail",
        "level": "warning",
        "logger": "tests.broken",
        "request_id": "broken-1",
        "timestamp": 0,
    }
    assert (request["level"], request["status"], request["request_id"]) == (
        "error",
        500,
        "broken-1",
    )
    assert request["exception"].startswith("Traceback (most recent call last):")
    assert request["exception"].endswith("RuntimeError: secret internals")


def test_no_request_lines_when_switched_off(capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with_fakes(
        InMemoryTaskRepository(), UNIT_SETTINGS.model_copy(update={"log_requests": False})
    )
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        response = client.get("/health")

    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
    assert log.requests() == []
