"""Integration-test fixtures: a real PostgreSQL and the app running against it.

The server is `DATABASE_URL`'s when it is set (CI's service container, your own server),
where the run creates a database of its own and drops it at the end (the URL's database is
never written to); otherwise a throwaway local server (local_postgres.py), started for
this test run and deleted after it. No other setting of yours (environment or `.env`)
reaches the tests. Either way it is the project's PostgreSQL major
(tools/postgres_major.py), or no test runs; and DATABASE_URL names it before the test
modules are imported, since the service reads its settings when its app is built, and
some tests build it at import (the lesson's tests import `main.app`). Every test that uses
the app starts with an empty `tasks` table; what the last one wrote stays there to look at.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx2
import hypothesis
import pytest
from local_postgres import LocalPostgresError, start, throwaway_data_folder
from tools.postgres_major import POSTGRES_MAJOR

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.migrate import apply_migrations
from {{ cookiecutter.__package }}.settings import Settings

from ..settings import settings_for_tests
from .app_client import app_client
from .database_urls import with_database
from .proxy import DatabaseProxy, database_proxy
from .recording_opener import RecordingOpener

CONNECT_TIMEOUT = 5.0

# Every example is a real request to a real PostgreSQL: no per-example deadline, since
# timings follow the machine's load, and few enough examples to keep the suite quick.
# `HYPOTHESIS_PROFILE=thorough nox -s integration` searches much longer.
hypothesis.settings.register_profile("integration", deadline=None, max_examples=100)
hypothesis.settings.register_profile("thorough", deadline=None, max_examples=2_000)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "integration"))


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
    try:
        asyncio.run(administer(url, f'CREATE DATABASE "{name}"'))
    except asyncpg.InsufficientPrivilegeError:
        pytest.exit(
            "DATABASE_URL's role may not create databases, and the tests use one of their "
            "own: grant it CREATEDB, or unset DATABASE_URL to use a local server",
            returncode=1,
        )
    config.add_cleanup(
        lambda: asyncio.run(administer(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    )
    set_environment(config, "DATABASE_URL", with_database(url, name))
    return f"PostgreSQL {version}, at DATABASE_URL (database {name}, dropped afterwards)"


async def administer(url: str, statement: str) -> None:
    """Run one statement on the server at `url`, connected to the URL's own database."""
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which PostgreSQL the tests run on."""
    return [f"database: {config.stash[SERVER]}"] if SERVER in config.stash else []


@pytest.fixture
def anyio_backend() -> str:
    """An event loop for each test: a test stopped by its time limit leaves the others whole."""
    return "asyncio"


@pytest.fixture(scope="session")
def database_url() -> str:
    """The test database (pytest_configure made sure there is one)."""
    return os.environ["DATABASE_URL"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for_tests(database_url=database_url)


@pytest.fixture
async def connection(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test database, to look behind the API's back."""
    connection = await asyncpg.connect(database_url, timeout=CONNECT_TIMEOUT)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def empty_tasks_table(connection: asyncpg.Connection) -> None:
    await apply_migrations(connection)
    await connection.execute("TRUNCATE tasks RESTART IDENTITY")


@pytest.fixture
async def client(settings: Settings, empty_tasks_table: None) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client for the app, with its lifespan (pool, migrations) running."""
    async with app_client(create_app(settings)) as client:
        yield client


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[DatabaseProxy]:
    """A proxy between the app and the database, which the test can cut and restore."""
    async with database_proxy(database_url) as proxy:
        yield proxy


@pytest.fixture
def recording_opener() -> RecordingOpener:
    """Pass to create_app(database=...) to see the databases (pools) its lifespan opens."""
    return RecordingOpener()


@pytest.fixture
async def schema(database_url: str) -> AsyncIterator[str]:
    """A new, empty schema, dropped afterwards."""
    name = f"test_schema_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        await admin.execute(f'DROP SCHEMA "{name}" CASCADE')
        await admin.close()
