{%- if cookiecutter.include_metrics -%}
"""The one ASGI layer every request passes: its id, the worker's limits, its log line and metrics.

It wraps Starlette's whole stack, so it sees, logs and counts once, the 500 of an unexpected error.
"""
{%- else -%}
"""The one ASGI layer every request passes: its id, the worker's limits, its log line.

It wraps Starlette's whole stack, so it sees, and logs once, the 500 of an unexpected error.
"""
{%- endif %}

from __future__ import annotations

import asyncio
import re
import secrets
import time
from contextlib import suppress
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from structlog.contextvars import bind_contextvars, reset_contextvars

from .problems import echoed, problem_response
from .routing import matching_routes

if TYPE_CHECKING:
{%- if cookiecutter.include_metrics %}
    from prometheus_client import Histogram
{%- endif %}
    from starlette.types import ASGIApp, Message, Receive, Scope, Send
    from structlog.typing import FilteringBoundLogger

REQUEST_ID_HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,128}")
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
{%- if cookiecutter.include_metrics %}
# Unknown methods and unmatched paths share one label each, so clients cannot grow the series.
OTHER_METHOD = "OTHER"
UNMATCHED_ROUTE = "unmatched"
# Liveness and metrics must answer however busy the worker is.
NEVER_REFUSED = frozenset({"/health", "/metrics"})
{%- else %}
# Liveness must answer however busy the worker is.
NEVER_REFUSED = frozenset({"/health"})
{%- endif %}
RETRY_AFTER_SECONDS = 1
# How much of a refused body is read and dropped so that its client can read the 413.
DRAIN_BYTES = 64 * 1024 * 1024
CLOSE = {"Connection": "close"}


class HttpLayer:
    """Give each request an id, hold it to the limits, then log it{% if cookiecutter.include_metrics %} and count it{% endif %}.

    At most `max_concurrent` requests run at once (a 503 at once for more); a body must be
    at most `max_body_bytes` (413) and arrive within `body_timeout` seconds (408).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_concurrent: int,
        max_body_bytes: int,
        body_timeout: float,
        log: FilteringBoundLogger | None,
{%- if cookiecutter.include_metrics %}
        durations: Histogram | None,
{%- endif %}
    ) -> None:
        """Wrap the app; `log` None writes no request lines{% if cookiecutter.include_metrics %}, `durations` None counts nothing{% endif %}."""
        self.app = app
        self.max_concurrent = max_concurrent
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.log = log
{%- if cookiecutter.include_metrics %}
        self.durations = durations
{%- endif %}
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id bound, then log{% if cookiecutter.include_metrics %} and count{% endif %} it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = headers.get(REQUEST_ID_HEADER, b"")
        if not SANE_REQUEST_ID.fullmatch(request_id):
            request_id = secrets.token_hex(16).encode()
        context = bind_contextvars(request_id=request_id.decode())
        id_header = (REQUEST_ID_HEADER, request_id)
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        started = time.perf_counter()
        try:
            await self.within_limits(scope, headers, receive, send_with_id)
        except Exception as error:
            if not status:
                raise  # nothing answered it: the server must
            # Answered, and logged with its traceback here: the server would log it again.
            self.observe(scope, status, time.perf_counter() - started, error)
        else:
            self.observe(scope, status, time.perf_counter() - started)
        finally:
            reset_contextvars(**context)

    async def within_limits(
        self, scope: Scope, headers: dict[bytes, bytes], receive: Receive, send: Send
    ) -> None:
        """Serve the request unless the worker is at its limit or the body is too large."""
        if self.in_flight >= self.max_concurrent and scope["path"] not in NEVER_REFUSED:
            detail = f"the service is serving its limit of {self.max_concurrent} requests"
            refusal = problem_response(
                503, f"{detail}, retry later", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.serve(scope, headers, receive, send)
        finally:
            self.in_flight -= 1

    async def serve(
        self, scope: Scope, headers: dict[bytes, bytes], receive: Receive, send: Send
    ) -> None:
        """Serve the request, its body read through a BodyReader if it has one."""
        declared = headers.get(b"content-length")
        if b"transfer-encoding" in headers:
            # Only counting tells the size of a chunked body.
            body = BodyReader(receive, self, counted=True)
        elif declared is None or declared == b"0":
            await self.app(scope, receive, send)  # no body: nothing to hold to a size or a time
            return
        elif declared.isdigit() and int(declared) > self.max_body_bytes:
            await problem_response(413, self.too_large, headers=CLOSE)(scope, receive, send)
            body = BodyReader(receive, self, counted=False)
            # A client that waits for `100 Continue` has sent nothing to drop.
            if headers.get(b"expect", b"").lower() != b"100-continue":
                await drain(body)
            return
        else:
            # Without chunking the server reads just the declared length: no need to count.
            body = BodyReader(receive, self, counted=False)
        await self.app(scope, body, send)
        if body.more_to_drop:
            body.counted = False
            await drain(body)

    @property
    def too_large(self) -> str:
        """The 413's detail."""
        return f"the request body is larger than {self.max_body_bytes} bytes"

    def observe(
        self, scope: Scope, status: int, seconds: float, error: Exception | None = None
    ) -> None:
        """Log {% if cookiecutter.include_metrics %}and count {% endif %}a request that got this status after these seconds."""
        route = getattr(scope.get("route"), "path", None) or route_template(scope)
        method = scope["method"]
{%- if cookiecutter.include_metrics %}
        if self.durations is not None:
            label = method if method in HTTP_METHODS else OTHER_METHOD
            self.durations.labels(label, route or UNMATCHED_ROUTE, status).observe(seconds)
{%- endif %}
        if self.log is None:
            return
        client = scope.get("client")
        fields = {
            # The client chooses the method, of any length.
            "method": method if method in HTTP_METHODS else echoed(method),
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "client": client[0] if client else None,
        }
        if error is None:
            self.log.info("request", **fields)
        else:
            self.log.error("request", **fields, exc_info=error)


class BodyReader:
    """The request's `receive`, refusing a body that is too large (413) or too slow (408).

    Raised where the app reads the body, so that its exception handlers answer.
    """

    def __init__(self, receive: Receive, layer: HttpLayer, *, counted: bool) -> None:
        """Read through `receive`; `counted`: a chunked body, whose size only counting tells."""
        self.receive = receive
        self.layer = layer
        self.counted = counted
        self.deadline = asyncio.get_running_loop().time() + layer.body_timeout
        self.received = 0
        self.body_done = False
        self.more_to_drop = False

    async def __call__(self) -> Message:
        """The next message; once the body is in, later calls wait for a disconnect."""
        if self.body_done:
            return await self.receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self.receive()
        except TimeoutError:
            detail = f"the request body did not arrive within {self.layer.body_timeout:g} seconds"
            raise HTTPException(408, detail, headers=CLOSE) from None
        more_body = message["type"] == "http.request" and message.get("more_body", False)
        self.body_done = not more_body
        if self.counted:
            self.received += len(message.get("body", b""))
            if self.received > self.layer.max_body_bytes:
                self.more_to_drop = more_body
                raise HTTPException(413, self.layer.too_large, headers=CLOSE)
        return message


async def drain(receive: Receive) -> None:
    """Read and drop the rest of a refused body: at most DRAIN_BYTES, and in time."""
    dropped = 0
    with suppress(HTTPException):  # the body's 408: the time is up
        while dropped <= DRAIN_BYTES:
            message = await receive()
            dropped += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                return


def route_template(scope: Scope) -> str | None:
    """The template of the route a request's path matches, for an answer given before routing."""
    route = next(matching_routes(scope), None)
    return None if route is None else str(route.path)
