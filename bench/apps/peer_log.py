"""The service's logging and request line, for a peer app: the same cost in every app."""

from __future__ import annotations

import structlog
from starlette.types import ASGIApp
from task_service.core.logs import configure_logging
from task_service.core.observe import ObserveRequests
from task_service.settings import Settings, get_settings


def settings() -> Settings:
    """The service's settings, read from the environment as the service reads them."""
    return get_settings()


def with_request_log(app: ASGIApp) -> ASGIApp:
    """The app, logging as the service does and writing its line per request."""
    configure_logging(settings())
    return ObserveRequests(app, log=structlog.get_logger("peer").bind(), metrics=None)
