"""The application factory and its lifespan: one connection pool per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI

from .database import Database, open_database
from .errors import EXCEPTION_HANDLERS
from .migrate import apply_migrations
from .routes import health, tasks
from .settings import Settings, get_settings

TITLE = {{ cookiecutter.project_name | python_string }}


class State(TypedDict):
    """What the lifespan hands to every request (as `request.state`)."""

    database: Database


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; settings default to the environment's, read at startup."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        resolved = settings or get_settings()
        async with open_database(resolved) as database:
            if resolved.run_migrations:
                async with database.connection() as connection:
                    await apply_migrations(connection)
            yield {"database": database}

    app = FastAPI(
        title=TITLE,
        description={{ cookiecutter.description | python_string }},
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
        # Paths are exact: `/tasks/` is a 404 like any other unknown path, not a redirect.
        redirect_slashes=False,
    )
    app.include_router(health.router)
    app.include_router(tasks.router)
    return app
