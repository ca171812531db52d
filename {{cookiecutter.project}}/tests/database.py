"""A PostgreSQL of the project's major for the suites that need one (integration, image).

The server is `DATABASE_URL`'s when it is set (CI's service container, your own server),
where the run creates a database of its own and drops it at the end (the URL's database is
never written to); otherwise a throwaway local server (local_postgres.py), started for
this test run and deleted after it. Either way it is the project's PostgreSQL major
(tools/postgres_major.py), or no test runs. Neither outlives the run, however it ends
(tests/watchdog.py). A suite's conftest imports the two hooks below.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid

import asyncpg
import pytest
from local_postgres import LocalPostgresError, start, throwaway_data_folder
from tools.postgres_major import POSTGRES_MAJOR

from .integration.database_urls import with_database
from .postgres_admin import CONNECT_TIMEOUT, administer, drop_database
from .watchdog import watch

# What the run's header says of the server, once pytest_configure has checked it.
SERVER = pytest.StashKey[str]()


async def server_version(url: str) -> tuple[int, str]:
    """The major version of the server at `url`, and its full version for people."""
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    try:
        number = int(await connection.fetchval("SHOW server_version_num"))
        version = str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
    return number // 10_000, version


def pytest_configure(config: pytest.Config) -> None:
    """Make DATABASE_URL name a test database of this run's own before any test module is imported.

    No other setting of the developer's reaches the tests (tests/conftest.py). The server
    is the project's PostgreSQL major, or the run stops with one line.
    """
    if url := os.environ.get("DATABASE_URL"):
        config.stash[SERVER] = use_a_database_of_our_own(config, url)
        return
    data = throwaway_data_folder()
    # Cleanups run last registered first: the watchdog is dismissed once all is done.
    config.add_cleanup(watch(data=str(data), folder=str(data.parent)).dismiss)
    config.add_cleanup(lambda: shutil.rmtree(data.parent, ignore_errors=True))
    try:
        server = start(data, delete_on_exit=True, major=POSTGRES_MAJOR)
    except LocalPostgresError as error:
        pytest.exit(str(error), returncode=1)
    config.add_cleanup(server.cleanup)
    set_environment(config, "DATABASE_URL", server.get_uri())
    found, version = asyncio.run(server_version(server.get_uri()))
    if found != POSTGRES_MAJOR:
        pytest.exit(
            f"the local server is PostgreSQL {found}, but this project tests on PostgreSQL "
            f"{POSTGRES_MAJOR}",
            returncode=1,
        )
    config.stash[SERVER] = f"PostgreSQL {version}, a throwaway local server"


def set_environment(config: pytest.Config, name: str, value: str) -> None:
    """Set an environment variable for this run; it is restored when the run ends."""
    environment = pytest.MonkeyPatch()
    environment.setenv(name, value)
    config.add_cleanup(environment.undo)


def use_a_database_of_our_own(config: pytest.Config, url: str) -> str:
    """Create a database for this run on DATABASE_URL's server and point DATABASE_URL at it.

    The URL's own database is only connected to, never written to; the new one is dropped
    when the run ends. Returns what the run's header says of the server.
    """
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
    config.add_cleanup(watch(database_url=url, database=name).dismiss)
    try:
        asyncio.run(administer(url, f'CREATE DATABASE "{name}"'))
    except asyncpg.InsufficientPrivilegeError:
        pytest.exit(
            "DATABASE_URL's role may not create databases, and the tests use one of their "
            "own: grant it CREATEDB, or unset DATABASE_URL to use a local server",
            returncode=1,
        )
    config.add_cleanup(lambda: asyncio.run(drop_database(url, name)))
    set_environment(config, "DATABASE_URL", with_database(url, name))
    return f"PostgreSQL {version}, at DATABASE_URL (database {name}, dropped afterwards)"


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which PostgreSQL the tests run on."""
    return [f"database: {config.stash[SERVER]}"] if SERVER in config.stash else []
