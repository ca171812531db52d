"""The asyncpg connection pool, and the errors that mean the database is unavailable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from .settings import Settings

logger = logging.getLogger(__name__)

# Errors that say nothing about the request, only that the database cannot answer now:
# refused or dropped connections, timeouts, a server that is starting or shutting down,
# a full server, and a pool that is closing.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
)

POOL_CLOSE_TIMEOUT = 10.0


class DatabaseUnavailableError(Exception):
    """The database cannot serve the request now; the client may retry later."""


class Database:
    """Hands out pooled connections and turns connectivity failures into one error."""

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float) -> None:
        """Wrap an open pool; waiting for a free connection is bounded by acquire_timeout."""
        self.pool = pool
        self.acquire_timeout = acquire_timeout

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.pool.PoolConnectionProxy]:
        """Borrow a connection; raise DatabaseUnavailableError if the database cannot answer."""
        try:
            async with self.pool.acquire(timeout=self.acquire_timeout) as connection:
                yield connection
        except UNAVAILABLE_ERRORS as error:
            logger.warning("database unavailable: %r", error)
            raise DatabaseUnavailableError from error

    async def ping(self) -> None:
        """Run `SELECT 1`; raise DatabaseUnavailableError if it does not succeed."""
        async with self.connection() as connection:
            await connection.fetchval("SELECT 1")


async def create_pool(settings: Settings) -> asyncpg.Pool:
    """Open a connection pool sized and timed by the settings."""
    return await asyncpg.create_pool(
        settings.database_url.get_secret_value(),
        min_size=settings.db_pool_min_size,
        max_size=settings.db_pool_max_size,
        timeout=settings.db_connect_timeout,
        command_timeout=settings.db_command_timeout,
    )


async def close_pool(pool: asyncpg.Pool) -> None:
    """Close the pool gracefully, or terminate it if connections are not released in time."""
    try:
        async with asyncio.timeout(POOL_CLOSE_TIMEOUT):
            await pool.close()
    except TimeoutError:
        logger.warning("pool still busy after %s s: terminating it", POOL_CLOSE_TIMEOUT)
        pool.terminate()


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """Open the pool for the lifetime of the block and close it afterwards."""
    pool = await create_pool(settings)
    try:
        yield Database(pool, acquire_timeout=settings.db_acquire_timeout)
    finally:
        await close_pool(pool)
