"""The asyncpg connection pool, and the errors that mean the database is unavailable."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NamedTuple

import asyncpg
from fastapi import Request

from ..settings import Settings
from .durations import milliseconds

logger = logging.getLogger(__name__)

# Errors that mean the database cannot answer now, whatever the request: lost connections,
# timeouts, a server starting, stopping or out of resources, a broken protocol, a standby.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.ReadOnlySQLTransactionError,
)


# asyncpg warns at each failed try to refill the pool: Database logs the outage once instead.
logging.getLogger("asyncpg.pool").addFilter(
    lambda record: not str(record.msg).startswith("Failed to restore the pool connection floor")
)


class DatabaseUnavailableError(Exception):
    """The database cannot serve the request now; the client may retry later."""


class LifespanNotRunError(RuntimeError):
    """The app serves a request without having run its lifespan, so it has no database."""

    def __init__(self) -> None:
        """Say how to start the app properly."""
        super().__init__(
            "the service has no database because its lifespan did not run: start it with "
            "`python -m {{ cookiecutter.__package }}`, or in tests use "
            "`with TestClient(app) as client:`"
        )


class PoolSizes(NamedTuple):
    """How many connections a pool holds open, how many of those are idle, and its limit."""

    open: int
    idle: int
    max: int


class Database:
    """Hands out pooled connections; logs and raises one error when the database is gone."""

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float, address: str) -> None:
        """Wrap an open pool; waiting for a free connection is bounded by acquire_timeout."""
        self.pool = pool
        self.acquire_timeout = acquire_timeout
        self.address = address
        self.available = True
        self.unavailable_count = 0

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.pool.PoolConnectionProxy]:
        """Borrow a pool connection for the block; an outage raises DatabaseUnavailableError."""
        try:
            connection = await self.pool.acquire(timeout=self.acquire_timeout)
        except UNAVAILABLE_ERRORS as error:
            raise self.unavailable(error) from error
        try:
            yield connection
        except BaseException as error:
            await self.give_back(connection, error)
            raise
        await self.give_back(connection, None)

    async def give_back(
        self, connection: asyncpg.pool.PoolConnectionProxy, error: BaseException | None
    ) -> None:
        """Return a connection after its block, which raised `error` (or None)."""
        if isinstance(error, TimeoutError):
            # The statement may still run: drop the connection instead of waiting to reset it.
            connection.terminate()
        try:
            await self.pool.release(connection)
        except UNAVAILABLE_ERRORS as release_error:
            raise self.unavailable(release_error) from release_error
        if isinstance(error, UNAVAILABLE_ERRORS):
            raise self.unavailable(error) from error
        if not self.available:
            self.recovered()

    async def ping(self) -> None:
        """Raise DatabaseUnavailableError unless the database answers and takes writes."""
        async with self.connection() as connection:
            if await connection.fetchval("SHOW transaction_read_only") != "off":
                msg = "the database takes no writes (transaction_read_only is on)"
                raise asyncpg.ReadOnlySQLTransactionError(msg)

    def pool_sizes(self) -> PoolSizes:
        """The pool's connections now: open, idle and the most it opens."""
        pool = self.pool
        return PoolSizes(pool.get_size(), pool.get_idle_size(), pool.get_max_size())

    def unavailable(self, error: BaseException) -> DatabaseUnavailableError:
        """Note that the database cannot answer, and return the error to raise instead."""
        self.unavailable_count += 1
        if self.available:
            self.available = False
            message = " ".join(str(error).split())
            why = f"{type(error).__name__}: {message}" if message else type(error).__name__
            logger.warning("database at %s unavailable: %s", self.address, why)
        return DatabaseUnavailableError()

    def recovered(self) -> None:
        """Note that the database answers again after it was unavailable."""
        self.available = True
        logger.warning("database at %s available again", self.address)


async def keep_session_state(connection: asyncpg.Connection) -> None:
    """The pool's reset: none, since the service leaves no session state (docs/decisions.md)."""


def server_settings(settings: Settings) -> dict[str, str]:
    """What each connection asks the server to set for its session: the command timeout."""
    return {"statement_timeout": milliseconds(settings.db_command_timeout)}


async def create_pool(settings: Settings) -> asyncpg.Pool:
    """Open a connection pool sized and timed by the settings."""
    return await asyncpg.create_pool(
        settings.database_url.get_secret_value(),
        min_size=settings.db_pool_min_size,
        max_size=settings.db_pool_max_size,
        timeout=settings.db_connect_timeout,
        command_timeout=settings.db_command_timeout,
        server_settings=server_settings(settings),
        reset=keep_session_state,
    )


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """Open the pool for the block; then close it, or terminate it after DB_POOL_CLOSE_TIMEOUT."""
    pool = await create_pool(settings)
    try:
        yield Database(
            pool, acquire_timeout=settings.db_acquire_timeout, address=settings.database_address
        )
    finally:
        grace_period = settings.db_pool_close_timeout
        try:
            async with asyncio.timeout(grace_period):
                await pool.close()
        except TimeoutError:
            logger.warning("pool still busy after %s s: terminating its connections", grace_period)
            pool.terminate()


def request_database(request: Request) -> Database:
    """The database the lifespan opened (app.py), for a request's route."""
    try:
        database: Database = request.state.database
    except AttributeError:
        raise LifespanNotRunError from None
    return database
