"""The app in-process on the test database: its tables as each test starts, and a client."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from {{ cookiecutter.__package }}.core.migrate import apply_migrations

from ..database import connected


@asynccontextmanager
async def app_client(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    """Start the app's lifespan, yield a client that calls it, and shut it down afterwards."""
    async with (
        LifespanManager(app) as manager,
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=manager.app), base_url="http://test"
        ) as client,
    ):
        yield client


async def migrated_and_empty(database_url: str) -> None:
    """Apply the migrations, then empty every table but their own history."""
    async with connected(database_url) as connection:
        await apply_migrations(connection)
        tables = await connection.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'"
        )
        if tables:
            names = ", ".join(table["name"] for table in tables)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY")
