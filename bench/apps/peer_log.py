"""The service's logging and request line, for a peer app: the same cost in every app.

The request line is written here, not by the service's own middleware, so that the peers
stay what they stand for whatever the service's layers become: one pure ASGI layer that
binds a request id (the request's sane X-Request-ID, else a random one), echoes it, and
logs one line when the answer is sent, as the service's line reads. No metrics.
"""

import re
import secrets
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, reset_contextvars
from structlog.typing import FilteringBoundLogger
from task_service.core.logs import configure_logging
from task_service.settings import Settings, get_settings

REQUEST_ID_HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,128}")


def settings() -> Settings:
    """The service's settings, read from the environment as the service reads them."""
    return get_settings()


def with_request_log(app: ASGIApp) -> ASGIApp:
    """The app, logging as the service does and writing its line per request."""
    configure_logging(settings())
    return RequestLine(app, structlog.get_logger("peer").bind())


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's own id if it sent a sane one, else a new random one."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER and SANE_REQUEST_ID.fullmatch(value):
            return value.decode("ascii")
    return secrets.token_hex(16)


class RequestLine:
    """Give each request an id, echo it in `x-request-id`, and log the request when it is over."""

    def __init__(self, app: ASGIApp, log: FilteringBoundLogger) -> None:
        """Wrap the app, writing the lines to `log`."""
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id bound, then log it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope["headers"])
        context = bind_contextvars(request_id=request_id)
        id_header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            client = scope.get("client")
            self.log.info(
                "request",
                method=scope["method"],
                # The route's template (FastAPI's routing puts the route in the scope).
                route=getattr(scope.get("route"), "path", None),
                status=status,
                duration_ms=round(seconds * 1000, 3),
                client=client[0] if client else None,
            )
            reset_contextvars(**context)
