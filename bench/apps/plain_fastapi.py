"""The plainest FastAPI app with the service's routes: what FastAPI itself costs.

The pool on `app.state`, a pydantic body model, dicts returned, no dependencies and no
repository; the service's pool and statements. `api` is the app as a user would write it,
with no request log: what the service is compared with. `app` is the same app writing the
service's request line (peer_log.py), to tell the line's cost from the rest of the design.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from peer_log import settings, with_request_log
from pydantic import BaseModel, Field
from task_service.core.database import create_pool
from task_service.tasks.repository import INSERT_TASK, SELECT_TASK


class NewTask(BaseModel):
    """A task to create."""

    title: str = Field(min_length=1, max_length=200)
    completed: bool = False


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the pool for the app's lifetime."""
    app.state.pool = await create_pool(settings())
    yield
    await app.state.pool.close()


api = FastAPI(lifespan=lifespan)


@api.get("/health")
async def health() -> dict[str, str]:
    """Answer while the process runs."""
    return {"status": "ok"}


@api.post("/tasks", status_code=201)
async def create_task(task: NewTask, request: Request) -> dict[str, object]:
    """Insert a task."""
    async with request.app.state.pool.acquire() as connection:
        row = await connection.fetchrow(INSERT_TASK, task.title, task.completed)
    return dict(row)


@api.get("/tasks/{task_id}")
async def get_task(task_id: int, request: Request) -> dict[str, object]:
    """Answer one task."""
    async with request.app.state.pool.acquire() as connection:
        row = await connection.fetchrow(SELECT_TASK, task_id)
    if row is None:
        raise HTTPException(404, "task not found")
    return dict(row)


# Made on import, whichever of the two is served: it configures the service's logging for
# both, so that they differ in the request line alone.
app = with_request_log(api)
