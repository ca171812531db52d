"""ASGI middleware: how much one worker takes on, and which proxies' headers it believes."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from granian.utils.proxies import wrap_asgi_with_proxy_headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem_response

# Liveness and metrics must answer however busy the worker is.
NEVER_REFUSED = frozenset({"/health", "/metrics"})
RETRY_AFTER_SECONDS = 1
# How much of a refused body is read and dropped so that its client can read the 413.
DRAIN_BYTES = 64 * 1024 * 1024
CLOSE = {"Connection": "close"}


class BodySizeLimit:
    """Answer 413 for a request body over `limit` bytes, before the app has read it whole.

    The rest of a refused body is drained (up to DRAIN_BYTES) so the client can read the 413.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        """Wrap the app; it reads at most `limit` bytes of any request body."""
        self.app = app
        self.limit = limit
        self.too_large_detail = f"the request body is larger than {limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse its body as too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if b"transfer-encoding" not in headers:
            # Without chunking the server reads just the declared length: no need to count.
            if declared is not None and declared.isdigit() and int(declared) > self.limit:
                refusal = problem_response(413, self.too_large_detail, headers=CLOSE)
                await refusal(scope, receive, send)
                # A client that waits for `100 Continue` has sent nothing to drop.
                if headers.get(b"expect", b"").lower() != b"100-continue":
                    await drain(receive)
                return
            await self.app(scope, receive, send)
            return
        received = 0
        more_to_drop = False

        async def receive_within_limit() -> Message:
            nonlocal received, more_to_drop
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                more_to_drop = bool(message.get("more_body"))
                # Raised where the app reads the body, so its exception handlers answer it.
                raise HTTPException(413, self.too_large_detail, headers=CLOSE)
            return message

        await self.app(scope, receive_within_limit, send)
        if more_to_drop:
            await drain(receive)


async def drain(receive: Receive) -> None:
    """Read and drop the rest of a refused body: at most DRAIN_BYTES, and in time."""
    dropped = 0
    with suppress(HTTPException):  # BodyTimeout's 408: the time is up
        while dropped <= DRAIN_BYTES:
            message = await receive()
            dropped += len(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                return


class BodyTimeout:
    """Answer 408 to a request whose body has not all arrived `timeout` seconds after it began."""

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        """Wrap the app; a request's body must arrive within `timeout` seconds."""
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, refusing its body if it comes too slowly."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.timeout
        body_done = False

        async def receive_in_time() -> Message:
            nonlocal body_done
            if body_done:  # later calls wait for a disconnect, as long as the response takes
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                # Raised where the app reads the body, so its exception handlers answer it.
                raise HTTPException(
                    408,
                    f"the request body did not arrive within {self.timeout:g} seconds",
                    headers=CLOSE,
                ) from None
            body_done = message["type"] != "http.request" or not message.get("more_body")
            return message

        await self.app(scope, receive_in_time, send)


class ConcurrencyLimit:
    """Answer 503 at once, without queueing, while the worker serves `limit` requests."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        """Wrap the app; at most `limit` requests run in it at once."""
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse it if the worker is at its limit."""
        if scope["type"] != "http" or scope["path"] in NEVER_REFUSED:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            refusal = problem_response(
                503,
                f"the service is serving its limit of {self.limit} requests, retry later",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class ForwardedHeaders:
    """Believe X-Forwarded-For and X-Forwarded-Proto only from the trusted proxies."""

    def __init__(self, app: ASGIApp, trusted_proxies: list[str]) -> None:
        """Wrap the app, trusting the given addresses and networks."""
        self.app = wrap_asgi_with_proxy_headers(app, trusted_hosts=trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with the forwarded client, if a trusted proxy sent it."""
        await self.app(scope, receive, send)
