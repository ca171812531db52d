"""What the service does at its edge: body size, forwarded headers, documentation pages."""

import asyncio
from collections.abc import Iterator, Mapping

import pytest
import structlog
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.core import http_layer
from {{ cookiecutter.__package }}.core.http_layer import HttpLayer
from {{ cookiecutter.__package }}.core.routes.docs import docs_router
from {{ cookiecutter.__package }}.settings import DEFAULT_MAX_REQUEST_BODY_BYTES, Settings

JSON = {"content-type": "application/json"}
PROBLEM = "application/problem+json"


def body_of(size: int) -> bytes:
    """A JSON body of exactly `size` bytes (a title too long to store, so never a 201)."""
    return b'{"title": "' + b"x" * (size - 13) + b'"}'


def chunks_of(body: bytes) -> Iterator[bytes]:
    """The body in pieces, sent without a Content-Length (chunked)."""
    for start in range(0, len(body), 4096):
        yield body[start : start + 4096]


@pytest.fixture
def served(settings: Settings) -> Iterator[TestClient]:
    """A client of the app, running on the test database."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused_with_413(served: TestClient, declared: bool) -> None:
    body = body_of(DEFAULT_MAX_REQUEST_BODY_BYTES + 1)

    response = served.post("/tasks", content=body if declared else chunks_of(body), headers=JSON)

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "the request body is larger than 65536 bytes"


async def read_it_all(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the whole body, then answers 200, or a refusal as the handlers do."""
    status: int = 200
    headers: Mapping[str, str] = {}
    try:
        while (await receive()).get("more_body"):
            pass
    except HTTPException as refused:
        status, headers = refused.status_code, refused.headers or {}
    answer = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": answer})
    await send({"type": "http.response.body", "body": b""})


def refuse(headers: dict[str, str], pieces: int) -> tuple[list[str], dict[bytes, bytes]]:
    """Send 1 KiB pieces through a 2 KiB limit: what happened, in order; the answer's headers."""
    events: list[str] = []
    answer: dict[bytes, bytes] = {}
    left = pieces

    async def receive() -> Message:
        nonlocal left
        left -= 1
        events.append("read")
        return {"type": "http.request", "body": b"x" * 1024, "more_body": left > 0}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            events.append(f"answered {message['status']}")
            answer.update(message["headers"])

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(name.encode(), value.encode()) for name, value in headers.items()],
    }
    layer = HttpLayer(
        read_it_all,
        max_concurrent=1,
        max_body_bytes=2048,
        body_timeout=10,
        log=structlog.get_logger(),
        log_requests=False,
{%- if cookiecutter.include_metrics %}
        durations=None,
{%- endif %}
    )
    asyncio.run(layer(scope, receive, send))
    return events, answer


def test_a_declared_body_over_the_limit_is_dropped_after_its_413() -> None:
    events, answer = refuse({"content-length": str(5 * 1024)}, pieces=5)

    # Read to its end before the connection closes, so the client sending it reads its 413.
    assert events == ["answered 413"] + ["read"] * 5
    assert answer[b"connection"] == b"close"


def test_a_chunked_body_over_the_limit_is_dropped_after_its_413() -> None:
    events, answer = refuse({"transfer-encoding": "chunked"}, pieces=5)

    assert events == ["read"] * 3 + ["answered 413"] + ["read"] * 2
    assert answer[b"connection"] == b"close"


def test_a_client_waiting_for_100_continue_gets_its_413_at_once() -> None:
    events, _ = refuse({"content-length": str(5 * 1024), "expect": "100-continue"}, pieces=5)

    assert events == ["answered 413"]  # nothing read: reading would ask it to send


def test_only_so_much_of_a_refused_body_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_layer, "DRAIN_BYTES", 2 * 1024)

    events, answer = refuse({"content-length": str(100 * 1024)}, pieces=100)

    assert events == ["answered 413"] + ["read"] * 3
    assert answer[b"connection"] == b"close"


def test_a_body_at_the_limit_is_read(served: TestClient) -> None:
    response = served.post("/tasks", content=body_of(DEFAULT_MAX_REQUEST_BODY_BYTES), headers=JSON)

    assert response.status_code == 422  # read, and refused for its title


def app_that_shows_the_client(settings: Settings, **changes: object) -> FastAPI:
    app = create_app(settings.model_copy(update=changes))

    @app.get("/client")
    async def client_address(request: Request) -> dict[str, str | None]:
        client = request.client
        return {"host": client.host if client else None, "scheme": request.url.scheme}

    return app


@pytest.mark.parametrize(
    ("peer", "seen"),
    [("10.0.0.7", {"host": "6.6.6.6", "scheme": "https"}), ("127.0.0.1", None)],
    ids=["trusted-proxy", "anyone-else"],
)
def test_forwarded_headers_count_only_from_a_trusted_proxy(
    settings: Settings, peer: str, seen: dict[str, str] | None
) -> None:
    app = app_that_shows_the_client(settings, trusted_proxies=["10.0.0.0/24"])
    headers = {"x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https"}

    with TestClient(app, client=(peer, 4321)) as client:
        shown = client.get("/client", headers=headers).json()

    assert shown == (seen or {"host": peer, "scheme": "http"})


def test_by_default_no_proxy_is_trusted(settings: Settings) -> None:
    with TestClient(app_that_shows_the_client(settings), client=("127.0.0.1", 4321)) as client:
        shown = client.get("/client", headers={"x-forwarded-for": "6.6.6.6"}).json()

    assert shown["host"] == "127.0.0.1"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_pages_are_off_unless_switched_on(
    settings: Settings, served: TestClient, page: str
) -> None:
    assert served.get(page).status_code == 404

    with TestClient(app_that_shows_the_client(settings, serve_docs=True)) as docs:
        assert docs.get(page).status_code == 200


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_pages_escape_the_title(page: str) -> None:
    app = FastAPI(docs_url=None, redoc_url=None)
    app.include_router(docs_router("</title><script>alert(1)</script>"))

    html = TestClient(app).get(page).text

    assert "<script>alert(1)</script>" not in html
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
