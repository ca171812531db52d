"""The suites' PostgreSQL, of the project's major, which nothing of the run outlives."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from local_postgres import LocalPostgresError, start, stop, throwaway_data_folder
from tools.postgres_major import POSTGRES_MAJOR

from .integration.database_urls import with_database

CONNECT_TIMEOUT = 5.0
PROJECT = Path(__file__).resolve().parents[1]
DISMISSED = "dismissed"
# What the run's header says of the server, once pytest_configure has checked it.
SERVER = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module is imported, point DATABASE_URL at a database of the run's own."""
    if url := os.environ.get("DATABASE_URL"):
        config.stash[SERVER] = use_a_database_of_our_own(config, url)
        return
    data = throwaway_data_folder()
    # Cleanups run last registered first: the watchdog is dismissed once all is done.
    config.add_cleanup(watch(data=str(data), folder=str(data.parent)))
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


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Which PostgreSQL the tests run on."""
    return [f"database: {config.stash[SERVER]}"] if SERVER in config.stash else []


def use_a_database_of_our_own(config: pytest.Config, url: str) -> str:
    """Create the run's database on DATABASE_URL's server, whose own database is only read."""
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
    config.add_cleanup(watch(database_url=url, database=name))
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


def set_environment(config: pytest.Config, name: str, value: str) -> None:
    """Set an environment variable for this run; it is restored when the run ends."""
    environment = pytest.MonkeyPatch()
    environment.setenv(name, value)
    config.add_cleanup(environment.undo)


async def server_version(url: str) -> tuple[int, str]:
    """The major version of the server at `url`, and its full version for people."""
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    try:
        number = int(await connection.fetchval("SHOW server_version_num"))
        version = str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
    return number // 10_000, version


async def administer(url: str, statement: str) -> None:
    """Run one statement on the server at `url`, connected to the URL's own database."""
    connection = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def drop_database(url: str, name: str) -> None:
    """Drop a database of the server at `url`, closing whatever still uses it."""
    await administer(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def watch(**undo: str) -> Callable[[], None]:
    """Start a watchdog that undoes `undo` if the run dies first (SIGKILL, a crash)."""
    process = subprocess.Popen(  # noqa: S603 (this Python, running this module)
        [sys.executable, "-m", "tests.database", json.dumps(undo)],
        stdin=subprocess.PIPE,
        cwd=PROJECT,
        start_new_session=True,  # a Ctrl-C for the run does not reach it
        text=True,
    )

    def dismiss() -> None:
        """The run cleaned up: the watchdog exits without doing anything."""
        process.communicate(DISMISSED)

    return dismiss


def undo(what: dict[str, Any]) -> None:
    """Stop and delete the throwaway server (`data`, `folder`), or drop the run's `database`."""
    if "data" in what:
        stop(Path(what["data"]))
        shutil.rmtree(what["folder"], ignore_errors=True)
    if "database" in what:
        asyncio.run(drop_database(what["database_url"], what["database"]))


if __name__ == "__main__":
    if sys.stdin.read() != DISMISSED:
        undo(json.loads(sys.argv[1]))
