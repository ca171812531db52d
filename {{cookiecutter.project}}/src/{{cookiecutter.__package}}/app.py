"""The application factory and its lifespan: one connection pool per process."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, {% if cookiecutter.include_metrics %}ExitStack, {% endif %}asynccontextmanager
from functools import partial
from typing import Any

import structlog
from fastapi import FastAPI
from granian.utils.proxies import wrap_asgi_with_proxy_headers
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


class Service(FastAPI):
    """FastAPI inside the HTTP layer, with the problem schemas its errors refer to.

    The layer wraps Starlette's whole stack, whose outermost part answers an unexpected
    error with a 500, so it sees that answer; it is made when the app first serves.
    """

    def __init__(self, settings: Settings{% if cookiecutter.include_metrics %}, metrics: Metrics | None{% endif %}, **options: Any) -> None:
        """A FastAPI app made with these options, served with these settings."""
        super().__init__(**options)
        self.settings = settings
{%- if cookiecutter.include_metrics %}
        self.metrics = metrics
{%- endif %}

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's middleware stack inside the service's own layers, listed outermost first."""
        settings = self.settings
        layers: list[Callable[[ASGIApp], ASGIApp]] = []
        if settings.trusted_proxies:  # first, so that the log sees the client a proxy forwarded for
            layers.append(
                partial(wrap_asgi_with_proxy_headers, trusted_hosts=settings.trusted_proxies)
            )
        layers.append(
            partial(
                HttpLayer,
                max_concurrent=settings.max_concurrent_requests,
                max_body_bytes=settings.max_request_body_bytes,
                body_timeout=settings.http_body_timeout,
                log=structlog.get_logger(__package__).bind(),
                log_requests=settings.log_requests,
{%- if cookiecutter.include_metrics %}
                durations=self.metrics.request_duration if self.metrics else None,
{%- endif %}
            )
        )
        app = super().build_middleware_stack()
        for layer in reversed(layers):
            app = layer(app)
        return app

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, generated once (again if the routes change)."""
        return with_request_ids(with_problem_schemas(super().openapi()))


def create_app(
    settings: Settings,
    *,
    database: Callable[[Settings], AbstractAsyncContextManager[Database]] = open_database,
) -> FastAPI:
    """Build the service from its settings; the lifespan opens the database with `database`."""
{%- if cookiecutter.include_metrics %}
    metrics = Metrics() if settings.serve_metrics else None
{%- endif %}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[dict[str, Database]]:
        async with database(settings) as opened:
            if settings.run_migrations:
                async with opened.connection() as connection:
                    await apply_migrations(connection)
{%- if cookiecutter.include_metrics %}
            with ExitStack() as stack:
                if metrics is not None:
                    stack.enter_context(metrics.watching(opened))
                    if settings.metrics_port is not None:
                        port = settings.metrics_port
                        stack.enter_context(serving_metrics(metrics.registry, settings.host, port))
                yield {"database": opened}
{%- else %}
            yield {"database": opened}
{%- endif %}

    app = Service(
        settings,
{%- if cookiecutter.include_metrics %}
        metrics,
{%- endif %}
        title=API_TITLE,
        description={{ cookiecutter.description | python_string }},
        lifespan=lifespan,
        exception_handlers=exception_handlers(bad_requests=[task_errors.TITLE_REQUIRED]),
        responses=problem_responses(500),  # any route may fail unexpectedly
        redirect_slashes=False,  # `/tasks/` is a 404 like any other unknown path
        docs_url=None,  # off, or served by core/routes/docs.py, whose pages escape the title
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
