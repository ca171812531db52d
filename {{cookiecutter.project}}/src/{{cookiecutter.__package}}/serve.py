"""The start command: check the settings and the database, then serve the app with Granian.

`python -m {{ cookiecutter.__package }}` is how the service runs in production (the
Dockerfile's command) and, with `--reload`, in development (`invoke dev`). A bad setting
or a database that cannot be reached or migrated stops it before it serves, with one
line that names the database's host and never its password.

Granian rather than uvicorn: it closes a connection whose request headers do not arrive
within HTTP_HEADER_TIMEOUT, idle kept-alive ones included, so slow or idle clients cannot
hold the server's connections; uvicorn has no such timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import asyncpg
from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from pydantic import ValidationError

from .database import UNAVAILABLE_ERRORS, server_settings
from .logs import configure_logging, standard_logging_config
from .migrate import MigrationError, apply_migrations
from .settings import Settings

APP = "{{ cookiecutter.__package }}.main:app"
SOURCE = Path(__file__).parent
# What can go wrong while connecting to the database and migrating it.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    *UNAVAILABLE_ERRORS,
    asyncpg.PostgresError,
    MigrationError,
)
# After the requests in flight (each bounded by DB_COMMAND_TIMEOUT) and closing the pool
# (DB_POOL_CLOSE_TIMEOUT), a worker that still has not stopped is killed.
SHUTDOWN_SLACK_SECONDS = 5


class StartupError(Exception):
    """The service cannot start; the message says why in one line."""


def read_settings() -> Settings:
    """The settings from the environment; a StartupError naming each bad one otherwise."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, problem['loc'])).upper()}: {problem['msg']}"
            for problem in error.errors()
        )
        msg = f"invalid settings: {problems}"
        raise StartupError(msg) from None


async def prepare_database(settings: Settings) -> None:
    """Connect to the database and, unless switched off, apply the pending migrations.

    The connection asks for what the pool's connections ask for, so that a pooler which
    refuses it (PgBouncer refuses `statement_timeout` unless told to ignore it) stops the
    start here, in one line, not each worker later.
    """
    address = settings.database_address
    try:
        connection = await asyncpg.connect(
            settings.database_url.get_secret_value(),
            timeout=settings.db_connect_timeout,
            server_settings=server_settings(settings),
        )
    except DATABASE_ERRORS as error:
        msg = f"cannot connect to the database at {address}: {reason(error, settings)}"
        raise StartupError(msg) from None
    try:
        if settings.run_migrations:
            await apply_migrations(connection)
    except DATABASE_ERRORS as error:
        msg = f"cannot migrate the database at {address}: {reason(error, settings)}"
        raise StartupError(msg) from None
    finally:
        await connection.close()


def reason(error: BaseException, settings: Settings) -> str:
    """The error as one line, with the database password blotted out should it appear."""
    text = " ".join(str(error).split()) or type(error).__name__
    for password in settings.database_password_forms:
        text = text.replace(password, "***")
    return text


def serve(settings: Settings, *, reload: bool = False) -> None:
    """Run the app in Granian, with the server limits the settings give, until stopped."""
    Granian(
        APP,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        # HTTP/1.1 only: with HTTP/2 possible too, the server waits for a connection's
        # first bytes to choose, and a client that sends none is never timed out.
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=int(settings.http_header_timeout * 1000)),
        workers_kill_timeout=int(
            settings.db_command_timeout + settings.db_pool_close_timeout + SHUTDOWN_SLACK_SECONDS
        ),
        reload=reload,
        reload_paths=[SOURCE],
        # Granian's lines, in every process, rendered like the service's own (logs.py);
        # its access log is off by default, and stays off: observe.py writes one line.
        log_level=LogLevels(settings.log_level),
        log_dictconfig=standard_logging_config(settings),
    ).serve()


def main(argv: list[str] | None = None) -> None:
    """Check the settings and the database, then serve; exit 1 with one line if they fail."""
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}", description=__doc__)
    parser.add_argument("--reload", action="store_true", help="restart when the source changes")
    arguments = parser.parse_args(argv)
    try:
        settings = read_settings()
        configure_logging(settings)
        asyncio.run(prepare_database(settings))
    except StartupError as error:
        sys.exit(f"error: {error}")
    serve(settings, reload=arguments.reload)
