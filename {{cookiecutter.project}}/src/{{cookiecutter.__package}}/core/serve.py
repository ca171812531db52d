"""Serving the app in Granian, with the server limits the settings give."""

import os
import signal
import threading
import time
from pathlib import Path

from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from starlette.types import ASGIApp

from ..settings import Settings
from .logs import standard_logging_config

APP = "{{ cookiecutter.__package }}.core.serve:worker_app"
# How often a worker checks that the server's main process still runs.
ORPHAN_CHECK_SECONDS = 1.0
SOURCE = Path(__file__).parents[1]  # the whole package
# Added to DB_COMMAND_TIMEOUT and DB_POOL_CLOSE_TIMEOUT: then a worker still running is killed.
SHUTDOWN_SLACK_SECONDS = 5


def shutdown_seconds(settings: Settings) -> int:
    """How long a stopping worker may take before Granian kills it."""
    finishing = settings.db_command_timeout + settings.db_pool_close_timeout
    return int(finishing + SHUTDOWN_SLACK_SECONDS)


def worker_app() -> ASGIApp:
    """The app, for one server worker, which stops itself once the main process is gone."""
    parent = os.getppid()
    threading.Thread(target=stop_when_orphaned, args=(parent,), daemon=True).start()
    # Imported in the worker only: asgi.py builds the app from settings the command checked.
    from ..asgi import app

    return app


def stop_when_orphaned(parent: int) -> None:
    """Stop this process, as SIGTERM does (requests in flight finish), once `parent` is gone."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(settings: Settings, *, reload: bool = False) -> None:
    """Run the app in Granian, with the server limits the settings give, until stopped."""
    Granian(
        APP,
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        # HTTP/1.1 only: choosing HTTP/2 waits for first bytes, and that wait has no timeout.
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=int(settings.http_header_timeout * 1000)),
        # A worker that dies is replaced; one that keeps dying stops the server, non-zero.
        respawn_failed_workers=True,
        workers_kill_timeout=shutdown_seconds(settings),
        reload=reload,
        reload_paths=[SOURCE],
        # Granian's lines look like ours; its access log is off: http_layer.py logs requests.
        log_level=LogLevels(settings.log_level),
        log_dictconfig=standard_logging_config(settings),
    ).serve()
