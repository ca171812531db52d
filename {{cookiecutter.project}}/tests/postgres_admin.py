"""Statements run on a PostgreSQL server as its administrator, outside any test's database."""

from __future__ import annotations

import asyncpg

CONNECT_TIMEOUT = 5.0


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
