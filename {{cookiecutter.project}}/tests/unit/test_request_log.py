"""One log line per request, and the request's id on its response and on every line."""

import re
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.tasks.repository import get_task_repository

from ..service_log import Capture, ServiceLog, service_logging
from .fakes import BrokenRepository
from .service import UNIT_SETTINGS, app_with

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def logged(
    app: FastAPI, capsys: Capture, method: str, path: str, **options: Any
) -> tuple[httpx2.Response, ServiceLog]:
    """One request to the app, and what the service logged for it."""
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        response = client.request(method, path, **options)
    return response, log


def test_each_request_is_one_line_naming_its_route_template_not_its_path(
    app: FastAPI, capsys: Capture
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


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        pytest.param("7d0c6a52-1f5e-4a7b-9d6e-2b8f1a3c4e5d", True, id="sane"),
        pytest.param(None, False, id="none"),
        pytest.param("", False, id="empty"),
        pytest.param("x" * 129, False, id="too-long"),
        pytest.param("id with spaces", False, id="spaces"),
        pytest.param('"}{"admin":true', False, id="json-breaking"),
        pytest.param("line\tbreak", False, id="control"),
    ],
)
def test_a_sane_request_id_is_kept_and_any_other_replaced_by_a_new_one(
    app: FastAPI, capsys: Capture, sent: str | None, kept: bool
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    response, log = logged(app, capsys, "GET", "/tasks/1", headers=headers)
    echoed = response.headers["x-request-id"]
    assert echoed == sent if kept else GENERATED_ID.fullmatch(echoed)
    assert [line["request_id"] for line in log.requests()] == [echoed]


def test_every_request_gets_a_different_id(client: TestClient) -> None:
    assert len({client.get("/health").headers["x-request-id"] for _ in range(20)}) == 20


def test_answers_given_before_routing_carry_the_id_and_are_logged(capsys: Capture) -> None:
    app = app_with(max_request_body_bytes=10)
    response, log = logged(app, capsys, "POST", "/tasks", json={"title": "far more than ten"})
    assert response.status_code == 413
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
    # Refused before any route ran, and logged under the route it was meant for.
    assert [(line["route"], line["status"]) for line in log.requests()] == [("/tasks", 413)]


def test_a_method_of_the_clients_choosing_is_logged_cut_short(
    app: FastAPI, capsys: Capture
) -> None:
    _, log = logged(app, capsys, "A" * 100_000, "/tasks")
    (line,) = log.requests()
    assert line["status"] == 405
    assert line["method"].startswith("AAAA")
    assert len(line["method"]) < 200


def test_an_unexpected_error_is_a_500_without_internals_and_one_line_with_them(
    app: FastAPI, capsys: Capture
) -> None:
    app.dependency_overrides[get_task_repository] = BrokenRepository

    response, log = logged(app, capsys, "GET", "/tasks/1", headers={"X-Request-ID": "broken-1"})

    assert (response.status_code, response.headers["x-request-id"]) == (500, "broken-1")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "the service failed to answer this request",
    }
    (warning,) = [event for event in log.events() if event.get("logger") == "tests.broken"]
    (request,) = log.requests()
    # The route's code logged through the standard library: its line carries the id too.
    assert warning | {"timestamp": 0} == {
        "event": "about to fail",
        "level": "warning",
        "logger": "tests.broken",
        "request_id": "broken-1",
        "timestamp": 0,
    }
    assert (request["level"], request["status"]) == ("error", 500)
    assert request["request_id"] == "broken-1"
    assert request["exception"].startswith("Traceback (most recent call last):")
    assert request["exception"].endswith("RuntimeError: secret internals: password=hunter2")


@pytest.mark.parametrize(("trusted", "client"), [([], "10.0.0.2"), (["10.0.0.0/8"], "203.0.113.7")])
def test_the_client_is_the_one_a_proxy_forwarded_for_only_if_the_proxy_is_trusted(
    capsys: Capture, trusted: list[str], client: str
) -> None:
    proxied = TestClient(app_with(trusted_proxies=trusted), client=("10.0.0.2", 50000))
    with service_logging(capsys, UNIT_SETTINGS) as log, proxied:
        proxied.get("/health", headers={"X-Forwarded-For": "203.0.113.7"})
    assert [line["client"] for line in log.requests()] == [client]


def test_no_request_lines_when_switched_off_but_for_a_failed_request(capsys: Capture) -> None:
    app = app_with(log_requests=False)
    response, log = logged(app, capsys, "GET", "/health")
    assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
    assert log.requests() == []

    app.dependency_overrides[get_task_repository] = BrokenRepository
    response, log = logged(app, capsys, "GET", "/tasks/1")
    (request,) = log.requests()
    assert (response.status_code, request["status"], request["level"]) == (500, 500, "error")
    assert request["exception"].endswith("RuntimeError: secret internals: password=hunter2")
