"""The application factory and its lifespan: one connection pool per process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypedDict

from fastapi import FastAPI

from .database import Database, open_database
from .error_handlers import EXCEPTION_HANDLERS
from .limits import BodySizeLimit, ConcurrencyLimit, ForwardedHeaders
from .migrate import apply_migrations
from .openapi import problem_responses, with_problem_schemas
from .routes import health, tasks
from .routes.docs import docs_router
from .settings import Settings

TITLE = {{ cookiecutter.project_name | python_string }}


class State(TypedDict):
    """What the lifespan hands to every request (as `request.state`)."""

    database: Database


# Opens the database for the lifetime of the app; unit tests pass one that opens none.
OpenDatabase = Callable[[Settings], AbstractAsyncContextManager[Database]]


class Service(FastAPI):
    """FastAPI, with the problem schemas that its error responses refer to in its OpenAPI."""

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, generated once."""
        return with_problem_schemas(super().openapi())


def create_app(settings: Settings, *, database: OpenDatabase = open_database) -> FastAPI:
    """Build the service from its settings; the lifespan opens the database with `database`."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        async with database(settings) as opened:
            if settings.run_migrations:
                async with opened.connection() as connection:
                    await apply_migrations(connection)
            yield {"database": opened}

    app = Service(
        title=TITLE,
        description={{ cookiecutter.description | python_string }},
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
        # Any route may fail unexpectedly; the 500 is a problem like every other error.
        responses=problem_responses(500),
        # Paths are exact: `/tasks/` is a 404 like any other unknown path, not a redirect.
        redirect_slashes=False,
        # Off, or served by routes.docs, whose pages escape the title.
        docs_url=None,
        redoc_url=None,
    )
    app.include_router(health.router)
    app.include_router(tasks.router)
    if settings.serve_docs:
        app.include_router(docs_router(TITLE))
    app.add_middleware(BodySizeLimit, limit=settings.max_request_body_bytes)
    app.add_middleware(ConcurrencyLimit, limit=settings.max_concurrent_requests)
    if settings.trusted_proxies:
        # Added last, so outermost: every other layer sees the forwarded client.
        app.add_middleware(ForwardedHeaders, trusted_proxies=settings.trusted_proxies)
    return app
