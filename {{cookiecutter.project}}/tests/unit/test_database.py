"""Which database errors mean "unavailable, retry later" (503); durations as its settings."""

import asyncio
from unittest.mock import AsyncMock

import asyncpg
import pytest

from {{ cookiecutter.__package }}.core.database import Database, DatabaseUnavailableError
from {{ cookiecutter.__package }}.core.durations import milliseconds


async def fail_inside_a_borrowed_connection(database: Database, error: Exception) -> None:
    async with database.connection():
        raise error


@pytest.mark.parametrize(
    ("error", "raised", "unavailable"),
    [
        (asyncpg.InternalClientError("cannot switch to state 12"), DatabaseUnavailableError, 1),
        (asyncpg.ReadOnlySQLTransactionError("read-only"), DatabaseUnavailableError, 1),
        (asyncpg.UniqueViolationError(), asyncpg.UniqueViolationError, 0),
    ],
    ids=["server-crashed-mid-statement", "standby-refuses-writes", "the-requests-own"],
)
def test_only_an_error_that_means_the_database_cannot_serve_now_is_unavailable(
    error: Exception, raised: type[Exception], unavailable: int
) -> None:
    # A pool that lends and takes back connections without fault.
    database = Database(AsyncMock(), acquire_timeout=1.0, address="db.example:5432")
    with pytest.raises(raised):
        asyncio.run(fail_inside_a_borrowed_connection(database, error))
    assert database.unavailable_count == unavailable


@pytest.mark.parametrize(
    ("seconds", "setting"), [(10.0, "10000ms"), (0.2, "200ms"), (0.0001, "1ms")]
)
def test_durations_round_up_so_that_no_timeout_becomes_zero(seconds: float, setting: str) -> None:
    assert milliseconds(seconds) == setting
