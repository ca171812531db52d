"""Which database errors mean "unavailable, retry later" (503) rather than a failed request."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from {{ cookiecutter.__package }}.core.database import Database, DatabaseUnavailableError


class LendingPool:
    """Lends one stand-in connection and takes it back, as a healthy pool does."""

    class Connection:
        def terminate(self) -> None:
            """Nothing to close."""

    async def acquire(self, **_options: float) -> Connection:
        return self.Connection()

    async def release(self, connection: Any) -> None:
        return None


def database_on_a_healthy_pool() -> Database:
    """A Database whose pool lends and takes back connections without fault."""
    pool: Any = LendingPool()  # a stand-in for the asyncpg pool Database takes
    return Database(pool, acquire_timeout=1.0, address="db.example:5432")


async def fail_inside_a_borrowed_connection(database: Database, error: Exception) -> None:
    async with database.connection():
        raise error


@pytest.mark.parametrize(
    "error",
    [
        # What asyncpg raises on a connection whose server crashed mid-statement.
        asyncpg.InternalClientError("cannot switch to state 12; another operation is in progress"),
        # What a standby (or a read-only database) answers a write.
        asyncpg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
    ],
    ids=["crash-mid-statement", "read-only"],
)
def test_an_error_that_means_the_database_cannot_serve_now_is_unavailable(error: Exception) -> None:
    database = database_on_a_healthy_pool()

    with pytest.raises(DatabaseUnavailableError):
        asyncio.run(fail_inside_a_borrowed_connection(database, error))

    assert database.unavailable_count == 1


def test_an_error_of_the_request_itself_is_not_unavailable() -> None:
    database = database_on_a_healthy_pool()

    with pytest.raises(asyncpg.UniqueViolationError):
        asyncio.run(fail_inside_a_borrowed_connection(database, asyncpg.UniqueViolationError()))

    assert database.unavailable_count == 0
