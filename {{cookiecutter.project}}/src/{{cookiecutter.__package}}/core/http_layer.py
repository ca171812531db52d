"""The ASGI layer every request passes: its id, the worker's limits, its log line{% if cookiecutter.include_metrics %} and metrics{% endif %}."""

import asyncio
import re
import secrets
import time
from contextlib import suppress
{% if cookiecutter.include_metrics %}
from prometheus_client import Histogram
{%- endif %}
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, reset_contextvars
from structlog.typing import FilteringBoundLogger

from .problems import echoed, problem_response
from .routing import matching_routes

REQUEST_ID_HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,128}")
HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
# Liveness{% if cookiecutter.include_metrics %} and metrics{% endif %} must answer however busy the worker is.
NEVER_REFUSED = frozenset({"/health"{% if cookiecutter.include_metrics %}, "/metrics"{% endif %}})
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
        log: FilteringBoundLogger,
        log_requests: bool,
{%- if cookiecutter.include_metrics %}
        durations: Histogram | None,
{%- endif %}
    ) -> None:
        """Wrap the app; `log_requests` off logs failures only{% if cookiecutter.include_metrics %}; `durations` None counts nothing{% endif %}."""
        self.app = app
        self.max_concurrent = max_concurrent
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.log = log
        self.log_requests = log_requests
{%- if cookiecutter.include_metrics %}
        self.durations = durations
{%- endif %}
        self.in_flight = 0
        self.too_large = f"the request body is larger than {max_body_bytes} bytes"

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
            await self.serve(scope, headers, receive, send_with_id)
        except Exception as error:
            if not status:
                raise  # nothing answered it: the server must
            # Answered, and logged with its traceback here: the server would log it again.
            self.observe(scope, status, time.perf_counter() - started, error)
        else:
            self.observe(scope, status, time.perf_counter() - started)
        finally:
            reset_contextvars(**context)

    async def serve(
        self, scope: Scope, headers: dict[bytes, bytes], receive: Receive, send: Send
    ) -> None:
        """Serve the request unless the worker is at its limit or the body is too large."""
        if self.in_flight >= self.max_concurrent and scope["path"] not in NEVER_REFUSED:
            detail = f"the service is serving its limit of {self.max_concurrent} requests"
            retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            busy = problem_response(503, f"{detail}, retry later", headers=retry)
            await busy(scope, receive, send)
            return
        declared = headers.get(b"content-length", b"")
        chunked = b"transfer-encoding" in headers  # only counting tells a chunked body's size
        self.in_flight += 1
        try:
            if not chunked and declared in (b"", b"0"):
                await self.app(scope, receive, send)  # no body: nothing to hold to a size or a time
                return
            body = BodyReader(receive, self, counted=chunked)
            if not chunked and declared.isdigit() and int(declared) > self.max_body_bytes:
                await problem_response(413, self.too_large, headers=CLOSE)(scope, receive, send)
                # A client that waits for `100 Continue` has sent nothing to drop.
                if headers.get(b"expect", b"").lower() != b"100-continue":
                    await drain(body)
                return
            await self.app(scope, body, send)
            if body.more_to_drop:
                body.counted = False
                await drain(body)
        finally:
            self.in_flight -= 1

    def observe(
        self, scope: Scope, status: int, seconds: float, error: Exception | None = None
    ) -> None:
        """Log {% if cookiecutter.include_metrics %}and count {% endif %}a request that got this status after these seconds."""
        # An answer given before routing (a 503, a 413) is logged with the route the path matches.
        route = getattr(scope.get("route"), "path", None)
        route = route or next((str(found.path) for found in matching_routes(scope)), None)
        method = scope["method"]
{%- if cookiecutter.include_metrics %}
        if self.durations is not None:
            # One label for all unknown methods, one for unmatched paths: no client-made series.
            label = method if method in HTTP_METHODS else "OTHER"
            self.durations.labels(label, route or "unmatched", status).observe(seconds)
{%- endif %}
        if error is None and not self.log_requests:
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
    """The request's `receive`, raising the 413 of a body too large or the 408 of one too slow."""

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
