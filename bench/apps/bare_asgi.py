"""The floor: a bare ASGI app with one asyncpg pool, the service's statements and orjson.

What the three routes cost with nothing between the server and the database but the
request line every app writes: input is checked by hand, answers are written directly.
"""

from typing import Any

import orjson
from peer_log import settings, with_request_log
from starlette.types import Receive, Scope, Send
from task_service.core.database import create_pool
from task_service.tasks.repository import INSERT_TASK, SELECT_TASK

JSON_HEADERS = [(b"content-type", b"application/json")]
HEALTHY = orjson.dumps({"status": "ok"})
TITLE_MAX_LENGTH = 200


class BareApp:
    """Route by hand; the pool opens at the lifespan's startup."""

    def __init__(self) -> None:
        """An app without a pool until its lifespan starts."""
        self.pool: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the lifespan and the three routes; anything else is a 404."""
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        method, path = scope["method"], scope["path"]
        if path == "/health" and method == "GET":
            await answer(send, 200, HEALTHY)
        elif path == "/tasks" and method == "POST":
            await self.create(receive, send)
        elif path.startswith("/tasks/") and method == "GET":
            await self.read(path.removeprefix("/tasks/"), send)
        else:
            await answer(send, 404, b'{"detail":"not found"}')

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Open the pool at startup, close it at shutdown."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await create_pool(settings())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def create(self, receive: Receive, send: Send) -> None:
        """Insert the task in the body, if it is one."""
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            task = orjson.loads(body)
            title, completed = task["title"], task.get("completed", False)
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await answer(send, 422, b'{"detail":"invalid body"}')
            return
        valid_title = isinstance(title, str) and 0 < len(title.strip()) <= TITLE_MAX_LENGTH
        if not valid_title or not isinstance(completed, bool):
            await answer(send, 422, b'{"detail":"invalid task"}')
            return
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(INSERT_TASK, title, completed)
        await answer(send, 201, orjson.dumps(dict(row)))

    async def read(self, task_id: str, send: Send) -> None:
        """Answer the task with this id, or 404."""
        if not task_id.isdecimal():
            await answer(send, 422, b'{"detail":"invalid id"}')
            return
        async with self.pool.acquire() as connection:
            row = await connection.fetchrow(SELECT_TASK, int(task_id))
        if row is None:
            await answer(send, 404, b'{"detail":"not found"}')
        else:
            await answer(send, 200, orjson.dumps(dict(row)))


async def answer(send: Send, status: int, body: bytes) -> None:
    """Send a whole JSON answer."""
    await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": body})


app = with_request_log(BareApp())
