"""Watch every request: give it an id, then log it in one line and count it in the metrics.

The id, a sane `X-Request-ID` or else a random one, is echoed back and put on its log lines.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import TYPE_CHECKING

from structlog.contextvars import bind_contextvars, reset_contextvars
from structlog.typing import FilteringBoundLogger

from .metrics import HTTP_METHODS
from .problems import echoed
from .routing import matching_routes

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .metrics import Metrics

REQUEST_ID_HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,128}")


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's own id if it sent a sane one, else a new random one."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER and SANE_REQUEST_ID.fullmatch(value):
            return value.decode("ascii")
    return secrets.token_hex(16)  # as random as a UUID, and cheaper


class ObserveRequests:
    """Give each request an id; log it (`log`) and count it (`metrics`) when it is over.

    It wraps Starlette's layers, so it sees, and logs once, the 500 of an unexpected error.
    """

    def __init__(
        self, app: ASGIApp, *, log: FilteringBoundLogger | None, metrics: Metrics | None
    ) -> None:
        """Wrap the app; `log` None writes no request lines, `metrics` None counts nothing."""
        self.app = app
        self.log = log
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id bound, then log and count it."""
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
        except Exception as error:
            if not status:
                raise  # nothing answered it: the server must
            # Answered, and logged with its traceback here: the server would log it again.
            self.observe(scope, status, time.perf_counter() - started, error)
        else:
            self.observe(scope, status, time.perf_counter() - started)
        finally:
            reset_contextvars(**context)

    def observe(
        self, scope: Scope, status: int, seconds: float, error: Exception | None = None
    ) -> None:
        """Log and count a request that got this status after these seconds."""
        route = getattr(scope.get("route"), "path", None) or route_template(scope)
        method = scope["method"]
        if self.metrics is not None:
            self.metrics.observe_request(method, route, status, seconds)
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


def route_template(scope: Scope) -> str | None:
    """The template of the route a request's path matches, for an answer given before routing."""
    route = next(matching_routes(scope), None)
    return None if route is None else str(route.path)
