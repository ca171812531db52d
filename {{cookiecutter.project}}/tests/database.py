"""The suites' PostgreSQL, of the project's major, which nothing of the run outlives."""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest
from local_postgres import LocalPostgresError, start, stop, throwaway_data_folder
from tools.postgres_major import POSTGRES_MAJOR

CONNECT_TIMEOUT = 5.0
PROJECT = Path(__file__).resolve().parents[1]
DISMISSED = "dismissed"
# What the run's header says of the server, once pytest_configure has checked it.
SERVER = pytest.StashKey[str]()
# Query parameters that name the database, which the URL's path does too.
DATABASE_KEYS = {"database", "dbname"}


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module is imported, point DATABASE_URL at a database of the run's own."""
    if url := os.environ.get("DATABASE_URL"):
        url, config.stash[SERVER] = use_a_database_of_our_own(config, url)
    else:
        data = throwaway_data_folder()
        # Cleanups run last registered first: the watchdog is dismissed once all is done.
        config.add_cleanup(watch(data=str(data), folder=str(data.parent)))
        config.add_cleanup(lambda: shutil.rmtree(data.parent, ignore_errors=True))
        try:
            server = start(data, delete_on_exit=True, major=POSTGRES_MAJOR)
        except LocalPostgresError as error:
            pytest.exit(str(error), returncode=1)
        config.add_cleanup(server.cleanup)
        url = server.get_uri()
        _, version = asyncio.run(server_version(url))  # of POSTGRES_MAJOR: start() chose by it
        config.stash[SERVER] = f"PostgreSQL {version}, a throwaway local server"
    environment = pytest.MonkeyPatch()
    environment.setenv("DATABASE_URL", url)
    config.add_cleanup(environment.undo)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which PostgreSQL the tests run on."""
    return [f"database: {config.stash[SERVER]}"] if SERVER in config.stash else []


def use_a_database_of_our_own(config: pytest.Config, url: str) -> tuple[str, str]:
    """Create the run's database beside DATABASE_URL's (only read); its URL, and its header."""
    try:
        found, version = asyncio.run(server_version(url))
    except (OSError, TimeoutError, ValueError, asyncpg.PostgresError) as error:
        # One clear line instead of the same connection error in every test.
        pytest.exit(f"DATABASE_URL is set, but it cannot be reached: {error!r}", returncode=1)
    if found != POSTGRES_MAJOR:
        pytest.exit(
            f"DATABASE_URL names a PostgreSQL {found} server, but this project tests on "
            f"PostgreSQL {POSTGRES_MAJOR}: point DATABASE_URL at a PostgreSQL "
            f"{POSTGRES_MAJOR} server, or unset it to use a local one",
            returncode=1,
        )
    name = f"test_run_{uuid.uuid4().hex}"
    dropped = {"database_url": url, "database": name}
    config.add_cleanup(watch(**dropped))
    try:
        asyncio.run(administer(url, f'CREATE DATABASE "{name}"'))
    except asyncpg.InsufficientPrivilegeError:
        pytest.exit(
            "DATABASE_URL's role may not create databases, and the tests use one of their "
            "own: grant it CREATEDB, or unset DATABASE_URL to use a local server",
            returncode=1,
        )
    config.add_cleanup(partial(undo, dropped))
    header = f"PostgreSQL {version}, at DATABASE_URL (database {name}, dropped afterwards)"
    return with_database(url, name), header


@asynccontextmanager
async def connected(url: str, **options: Any) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the database at `url` (asyncpg.connect's `options`), closed afterwards."""
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, **options)
    try:
        yield connection
    finally:
        await connection.close()


async def server_version(url: str) -> tuple[int, str]:
    """The major version of the server at `url`, and its full version for people."""
    async with connected(url) as connection:
        number = int(await connection.fetchval("SHOW server_version_num"))
        return number // 10_000, str(await connection.fetchval("SHOW server_version"))


async def administer(url: str, statement: str) -> None:
    """Run one statement on the server at `url`, connected to the URL's own database."""
    async with connected(url) as connection:
        await connection.execute(statement)


def with_database(database_url: str, database: str) -> str:
    """The URL naming another database on the same server, its other query parameters kept."""
    parts = urlsplit(database_url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key not in DATABASE_KEYS]
    return urlunsplit(parts._replace(path=f"/{database}", query=urlencode(query)))


def with_server_setting(database_url: str, name: str, value: str) -> str:
    """The URL with a server setting: asyncpg sends unknown query parameters as settings."""
    parts = urlsplit(database_url)
    query = [*parse_qsl(parts.query), (name, value)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def watch(**undone: str) -> Callable[[], None]:
    """Start a watchdog that will `undo` these if the run dies first; what dismisses it."""
    process = subprocess.Popen(  # noqa: S603 (this Python, running this module)
        [sys.executable, "-m", "tests.database", json.dumps(undone)],
        stdin=subprocess.PIPE,
        cwd=PROJECT,
        start_new_session=True,  # a Ctrl-C for the run does not reach it
        text=True,
    )

    def dismiss() -> None:
        process.communicate(DISMISSED)

    return dismiss


def undo(what: dict[str, Any]) -> None:
    """Stop and delete the throwaway server (`data`, `folder`), or drop the run's `database`."""
    if "data" in what:
        stop(Path(what["data"]))
        shutil.rmtree(what["folder"], ignore_errors=True)
    if "database" in what:
        drop = f'DROP DATABASE IF EXISTS "{what["database"]}" WITH (FORCE)'
        asyncio.run(administer(what["database_url"], drop))


if __name__ == "__main__":
    if sys.stdin.read() != DISMISSED:  # the run died without dismissing the watchdog
        undo(json.loads(sys.argv[1]))
