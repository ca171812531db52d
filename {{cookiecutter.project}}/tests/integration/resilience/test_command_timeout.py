"""Every statement is bounded by `db_command_timeout`, on both ends of the connection.

asyncpg gives up on a statement that runs longer, and the server stops it by itself even
when the client would wait on (its cancel request lost, say): a slow database is a 503,
never a hang.
"""

from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest

from {{ cookiecutter.__package }}.core.database import (
    Database,
    DatabaseUnavailableError,
    open_database,
)
from {{ cookiecutter.__package }}.core.migrate import apply_migrations

from ...settings import settings_for_tests

pytestmark = pytest.mark.anyio

COMMAND_TIMEOUT = 0.2
SLOW_STATEMENT = "SELECT pg_sleep(10)"
GIVES_UP_WITHIN = 5


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    settings = settings_for_tests(
        database_url=database_url,
        db_command_timeout=COMMAND_TIMEOUT,
        db_pool_min_size=0,  # no background refill (see test_database_outage.py)
    )
    async with open_database(settings) as database:
        yield database


async def execute(
    database: Database, *statements: str, client_timeout: float | None = None
) -> None:
    """Run the statements on one pooled connection; by default with the command timeout."""
    async with database.connection() as connection:
        for statement in statements:
            await connection.execute(statement, timeout=client_timeout)


async def test_the_client_gives_up_on_a_statement_over_the_command_timeout(
    database: Database,
) -> None:
    no_server_timeout = "SET statement_timeout = 0"

    with anyio.fail_after(GIVES_UP_WITHIN), pytest.raises(DatabaseUnavailableError) as raised:
        await execute(database, no_server_timeout, SLOW_STATEMENT)

    assert isinstance(raised.value.__cause__, TimeoutError)


async def test_the_server_stops_a_statement_over_the_command_timeout(database: Database) -> None:
    with anyio.fail_after(GIVES_UP_WITHIN), pytest.raises(DatabaseUnavailableError) as raised:
        await execute(database, SLOW_STATEMENT, client_timeout=60)  # longer than the server

    assert isinstance(raised.value.__cause__, asyncpg.QueryCanceledError)


async def test_the_pool_replaces_the_connections_it_dropped(database: Database) -> None:
    for _ in range(2):
        with pytest.raises(DatabaseUnavailableError):
            await execute(database, SLOW_STATEMENT)

    await database.ping()


async def test_migrations_leave_the_command_timeout_in_place(database: Database) -> None:
    async with database.connection() as connection:
        await apply_migrations(connection)

        assert await connection.fetchval("SHOW statement_timeout") == "200ms"
