"""The app, what it serves at its edge, and the OpenAPI document it publishes."""

import re
from collections.abc import AsyncIterator

import anyio
import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from {{ cookiecutter.__package }}.app import API_TITLE, create_app
from {{ cookiecutter.__package }}.core.problems import MAX_REPORTED_PROBLEMS
from {{ cookiecutter.__package }}.settings import DEFAULT_MAX_REQUEST_BODY_BYTES

from .problems import problem
from .service import UNIT_SETTINGS, app_with

app = create_app(UNIT_SETTINGS)
PROBLEM = {"$ref": "#/components/schemas/Problem"}
JSON = {"content-type": "application/json"}
# Each path of the OpenAPI document, and the methods it serves.
SERVED = {
    path: sorted(method.upper() for method in operations)
    for path, operations in app.openapi()["paths"].items()
}


def test_each_operation_documents_the_statuses_it_answers() -> None:
    documented = {
        (method.upper(), path): sorted(operation["responses"])
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
    }

    assert app.title == API_TITLE
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


def test_every_documented_error_is_a_problem() -> None:
    document = app.openapi()
    errors = [
        response
        for operations in document["paths"].values()
        for operation in operations.values()
        for code, response in operation["responses"].items()
        if int(code) >= 400
    ]

    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for response in errors:
        assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}


def test_a_created_task_links_to_where_it_can_be_read_changed_and_deleted() -> None:
    created = app.openapi()["paths"]["/tasks"]["post"]["responses"]["201"]
    assert "Location" in created["headers"]
    links = {link["operationId"] for link in created["links"].values()}
    assert links == {"get_task", "update_task", "delete_task"}


@pytest.mark.parametrize(
    "content",
    [
        b'{"title": ',
        b'{"title": "\\ud800"}',  # a lone surrogate: JSON can escape it, text cannot hold it
        b'{"title": NaN}',
        b"-Infinity",
        b'{"title": "caf\xe9"}',  # Latin-1, not UTF-8
        b"\xff\xfe\x00",
        b"[" * 30_000 + b"]" * 30_000,  # nested deeper than the JSON parser goes
        b'{"title": ' + b"9" * 5_000 + b"}",  # an integer longer than Python reads
    ],
    ids=["truncated", "lone-surrogate", "nan", "infinity", "latin-1", "binary", "deep", "long-int"],
)
def test_bodies_that_are_not_json_text_are_unprocessable_alike(
    client: TestClient, content: bytes
) -> None:
    response = client.post("/tasks", content=content, headers=JSON)
    assert problem(response, 422)["errors"]


def test_an_error_echoes_at_most_a_short_prefix_and_a_few_problems(client: TestClient) -> None:
    hostile = {f"{'k' * 1000}{number}": "v" for number in range(50)}  # under the 64 KiB limit
    body = problem(client.post("/tasks", json={"title": "ok", **hostile}), 422)
    assert len(body["errors"]) == MAX_REPORTED_PROBLEMS
    assert body["detail"].endswith(f"see errors (the first 10 of {len(hostile)})")
    assert len(str(body)) < 2_000


@pytest.mark.parametrize(("path", "served"), SERVED.items(), ids=list(SERVED))
def test_each_path_lists_the_methods_it_serves_and_has_no_trailing_slash_twin(
    client: TestClient, path: str, served: list[str]
) -> None:
    url = re.sub(r"\{\w+\}", "1", path)  # an unserved method is refused before any lookup
    for method in {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} - set(served):
        response = client.request(method, url)
        problem(response, 405)
        assert response.headers["allow"] == ", ".join(served)
    problem(client.get(f"{url}/", follow_redirects=False), 404)  # never redirected


def test_an_unknown_path_is_not_found(client: TestClient) -> None:
    problem(client.get("/nowhere"), 404)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, declared: bool) -> None:
    body = b"x" * (DEFAULT_MAX_REQUEST_BODY_BYTES + 1)
    response = client.post("/tasks", content=body if declared else iter([body]))
    assert response.status_code == 413
    assert response.headers["connection"] == "close"


def edge_client(app: FastAPI) -> httpx2.AsyncClient:
    """A client whose request bodies reach the app chunk by chunk, as the test sends them."""
    transport = httpx2.ASGITransport(app=app)
    return httpx2.AsyncClient(transport=transport, base_url="http://test", headers=JSON)


async def body(*chunks: bytes, sent: anyio.Event, then: anyio.Event) -> AsyncIterator[bytes]:
    """The chunks, once the app reads the first; the last waits for `then`."""
    sent.set()
    for chunk in chunks:
        yield chunk
    await then.wait()


@pytest.mark.anyio
async def test_past_its_limit_a_worker_answers_503_at_once_but_health_still_answers() -> None:
    sent, release = anyio.Event(), anyio.Event()
    held: list[httpx2.Response] = []
    async with edge_client(app_with(max_concurrent_requests=1)) as client:

        async def hold() -> None:
            chunks = body(b'{"title": "held"}', sent=sent, then=release)
            held.append(await client.post("/tasks", content=chunks))

        async with anyio.create_task_group() as group:
            group.start_soon(hold)
            await sent.wait()
            try:
                busy = await client.post("/tasks", json={"title": "one too many"})
                health = await client.get("/health")
            finally:
                release.set()

    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert (health.status_code, held[0].status_code) == (200, 201)


@pytest.mark.anyio
async def test_a_body_that_stops_arriving_gets_408() -> None:
    never = anyio.Event()
    async with edge_client(app_with(http_body_timeout=0.1)) as client:
        chunks = body(b'{"title": ', sent=anyio.Event(), then=never)
        response = await client.post("/tasks", content=chunks)
    assert (response.status_code, response.headers["connection"]) == (408, "close")


def test_the_documentation_pages_are_served_only_when_switched_on() -> None:
    with TestClient(app_with()) as off, TestClient(app_with(serve_docs=True)) as on:
        for page in ("/docs", "/redoc"):
            assert (off.get(page).status_code, on.get(page).status_code) == (404, 200)


class Note(BaseModel):
    title: str = Field(min_length=1)


@pytest.mark.parametrize("path", ["/not-a-resource", "/tasks-archive"])
def test_a_resources_400_rule_does_not_reach_another_resources_routes(path: str) -> None:
    notes = app_with()

    @notes.post(path)
    async def create_note(note: Note) -> Note:
        return note

    with TestClient(notes) as client:
        response = client.post(path, json={})  # no title: the tasks' rule would say 400

    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "title"]
