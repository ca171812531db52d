"""The service's command line: `serve` (the default) or `migrate`, each checked first.

Whatever stops a command (a bad setting, an unreachable database, a busy port) exits 1 in one line.
"""

import argparse
import asyncio
import errno
import os
import socket
import sys
from pathlib import Path

import asyncpg
from pydantic import ValidationError

from ..settings import Settings
from .database import UNAVAILABLE_ERRORS, server_settings
from .logs import configure_logging
from .migrate import Migration, MigrationError, apply_migrations
from .serve import serve

PROGRAM = "python -m {{ cookiecutter.__package }}"
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    *UNAVAILABLE_ERRORS,
    asyncpg.PostgresError,
    MigrationError,
)
# Why a port cannot be listened on, and what to do, by errno; {port} names the setting.
BIND_PROBLEMS = {
    errno.EADDRINUSE: (
        "the address is already in use (another server runs there?): set {port} to a free port"
    ),
    errno.EADDRNOTAVAIL: (
        "no network interface has that address: set HOST to one of this machine's addresses"
    ),
    errno.EACCES: (
        "permission denied (ports below 1024 need privileges): set {port} to a higher one"
    ),
}


class StartupError(Exception):
    """A command cannot run; the message says why in one line."""


def check_output() -> None:
    """A StartupError unless standard output, where the service logs, can be written."""
    if sys.stdout is None:  # Python's stand-in for a closed descriptor 1
        msg = "standard output is closed: the service logs there"
        raise StartupError(msg)
    try:
        os.write(sys.stdout.fileno(), b"")
    except (OSError, ValueError) as error:
        msg = f"standard output cannot be written, and the service logs there: {error}"
        raise StartupError(msg) from None


def read_settings() -> Settings:
    """The settings from the environment and `.env` (a regular UTF-8 file: a FIFO would block).

    Otherwise a StartupError naming each bad setting.
    """
    env_file = Settings.model_config.get("env_file")
    dotenv = Path(env_file) if isinstance(env_file, str) else None
    if dotenv is not None and dotenv.exists() and not dotenv.is_file():
        msg = f"{dotenv} is not a regular file: make it one, or remove it"
        raise StartupError(msg)
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            where = ".".join(map(str, problem["loc"])).upper()
            why = problem["msg"].removeprefix("Value error, ")
            # A rule between settings has no location: its message names them.
            problems.append(f"{where}: {why}" if where else why)
        msg = f"invalid settings: {'; '.join(problems)}"
        raise StartupError(msg) from None
    except UnicodeDecodeError as error:
        msg = f"{dotenv} is not UTF-8 text (byte {error.start} cannot be read): save it as UTF-8"
        raise StartupError(msg) from None


async def prepare_database(settings: Settings, *, migrate: bool) -> list[Migration]:
    """Connect with the pool's session settings (a pooler may refuse them) and maybe migrate."""
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
        return await apply_migrations(connection) if migrate else []
    except DATABASE_ERRORS as error:
        msg = f"cannot migrate the database at {address}: {reason(error, settings)}"
        raise StartupError(msg) from None
    finally:
        await connection.close()


def reason(error: BaseException, settings: Settings) -> str:
    """The error as one line, after its notes, with the database password blotted out."""
    text = ": ".join([*getattr(error, "__notes__", []), str(error) or type(error).__name__])
    text = " ".join(text.split())
    for password in settings.database_password_forms:
        text = text.replace(password, "***")
    return text


def check_ports(settings: Settings) -> None:
    """Fail with a StartupError saying why nothing could listen on a port; Granian does not."""
{%- if cookiecutter.include_metrics %}
    ports = {"PORT": settings.port, "METRICS_PORT": settings.metrics_port}
{%- else %}
    ports = {"PORT": settings.port}
{%- endif %}
    for setting, port in ports.items():
{%- if cookiecutter.include_metrics %}
        if port is None:
            continue
{%- endif %}
        try:
            family, kind, protocol, _, address = socket.getaddrinfo(
                settings.host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            with socket.socket(family, kind, protocol) as probe:
                # As Granian's: a previous run's connections in TIME_WAIT do not hold the port.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
        except OSError as error:
            known = BIND_PROBLEMS.get(error.errno or 0)
            problem = known.format(port=setting) if known else error.strerror or str(error)
            msg = f"cannot listen on {settings.host}:{port}: {problem}"
            raise StartupError(msg) from None


def report(applied: list[Migration]) -> None:
    """Say which migrations were applied."""
    for migration in applied:
        print(f"applied {migration.file_name}")
    print(f"{len(applied)} migration(s) applied")


def main(argv: list[str] | None = None) -> None:
    """Run the command `argv` names, once its checks pass; else exit 1 with one line."""
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        choices=["serve", "migrate"],
        default="serve",
        help="serve the app (checking the database and the port{% if cookiecutter.include_metrics %}s{% endif %} first), or apply the migrations",
    )
    parser.add_argument("--reload", action="store_true", help="restart when the source changes")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "migrate":
            report(asyncio.run(prepare_database(read_settings(), migrate=True)))
            return
        check_output()
        settings = read_settings()
        configure_logging(settings)
        asyncio.run(prepare_database(settings, migrate=settings.run_migrations))
        check_ports(settings)
    except StartupError as error:
        sys.exit(f"error: {error}")
    serve(settings, reload=arguments.reload)
