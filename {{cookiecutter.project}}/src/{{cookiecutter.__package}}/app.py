"""The application factory and its lifespan: one connection pool per process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
{%- if cookiecutter.include_metrics %}
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    nullcontext,
)
{%- else %}
from contextlib import AbstractAsyncContextManager, asynccontextmanager
{%- endif %}
from functools import partial
from typing import Any, TypedDict

import structlog
from fastapi import FastAPI
from granian.utils.proxies import wrap_asgi_with_proxy_headers
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from .core.database import Database, open_database
from .core.error_handlers import exception_handlers
from .core.http_layer import HttpLayer
{%- if cookiecutter.include_metrics %}
from .core.metrics import Metrics
from .core.metrics_port import serving_metrics
{%- endif %}
from .core.migrate import apply_migrations
from .core.openapi import problem_responses, with_problem_schemas, with_request_ids
from .core.routes import health
from .core.routes.docs import docs_router
{%- if cookiecutter.include_metrics %}
from .core.routes.metrics import metrics_router
{%- endif %}
from .settings import Settings
from .tasks import errors as task_errors
from .tasks import router as tasks

API_TITLE = {{ cookiecutter.project_name | python_string }}


class State(TypedDict):
    """What the lifespan hands to every request (as `request.state`)."""

    database: Database


# Opens the database for the lifetime of the app; unit tests pass one that opens none.
OpenDatabase = Callable[[Settings], AbstractAsyncContextManager[Database]]


class Service(FastAPI):
    """FastAPI, with the problem schemas its errors refer to, and layers around all of it.

    `layers()` (outermost first, made when the app first serves, once logging is set up)
    wrap Starlette's whole middleware stack, whose own outermost layer answers an
    unexpected error with a 500: a layer outside it sees that answer.
    """

    def __init__(self, *, layers: Callable[[], Sequence[Middleware]], **options: Any) -> None:
        """A FastAPI app made with these options, inside these layers."""
        super().__init__(**options)
        self.layers = layers

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's middleware stack, inside the layers."""
        app = super().build_middleware_stack()
        for layer, args, kwargs in reversed(self.layers()):
            app = layer(app, *args, **kwargs)
        return app

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, generated once (again if the routes change)."""
        return with_request_ids(with_problem_schemas(super().openapi()))


def http_layers(settings: Settings{% if cookiecutter.include_metrics %}, metrics: Metrics | None{% endif %}) -> list[Middleware]:
    """The ASGI layers every request passes through, outermost first."""
    log = structlog.get_logger(__package__).bind() if settings.log_requests else None
    trusted = settings.trusted_proxies
    return [
        # First: the request log sees the client a trusted proxy forwarded for.
        *([Middleware(wrap_asgi_with_proxy_headers, trusted_hosts=trusted)] if trusted else []),
        Middleware(
            HttpLayer,
            max_concurrent=settings.max_concurrent_requests,
            max_body_bytes=settings.max_request_body_bytes,
            body_timeout=settings.http_body_timeout,
            log=log,
{%- if cookiecutter.include_metrics %}
            durations=metrics.request_duration if metrics else None,
{%- endif %}
        ),
    ]


def create_app(settings: Settings, *, database: OpenDatabase = open_database) -> FastAPI:
    """Build the service from its settings; the lifespan opens the database with `database`."""
{%- if cookiecutter.include_metrics %}
    metrics = Metrics() if settings.serve_metrics else None

    def metrics_port() -> AbstractContextManager[object]:
        """Serve the metrics on METRICS_PORT while the app runs, if it is set."""
        if metrics is None or settings.metrics_port is None:
            return nullcontext()
        return serving_metrics(metrics.registry, settings.host, settings.metrics_port)
{%- endif %}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[State]:
        async with database(settings) as opened:
            if settings.run_migrations:
                async with opened.connection() as connection:
                    await apply_migrations(connection)
{%- if cookiecutter.include_metrics %}
            with metrics.watching(opened) if metrics else nullcontext(), metrics_port():
                yield {"database": opened}
{%- else %}
            yield {"database": opened}
{%- endif %}

    app = Service(
        layers=partial(http_layers, settings{% if cookiecutter.include_metrics %}, metrics{% endif %}),
        title=API_TITLE,
        description={{ cookiecutter.description | python_string }},
        lifespan=lifespan,
        exception_handlers=exception_handlers(bad_requests=[task_errors.TITLE_REQUIRED]),
        # Any route may fail unexpectedly; the 500 is a problem like every other error.
        responses=problem_responses(500),
        # Paths are exact: `/tasks/` is a 404 like any other unknown path, not a redirect.
        redirect_slashes=False,
        # Off, or served by core/routes/docs.py, whose pages escape the title.
        docs_url=None,
        redoc_url=None,
    )
    app.include_router(health.router)
    app.include_router(tasks.router)
{%- if cookiecutter.include_metrics %}
    if metrics is not None and settings.metrics_port is None:
        app.include_router(metrics_router(metrics))
{%- endif %}
    if settings.serve_docs:
        app.include_router(docs_router(API_TITLE))
    return app
