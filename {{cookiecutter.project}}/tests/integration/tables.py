"""The test database's tables, as each test starts: migrated, and empty."""

from __future__ import annotations

import asyncpg

from {{ cookiecutter.__package }}.core.migrate import apply_migrations


async def migrated_and_empty(connection: asyncpg.Connection) -> None:
    """Apply the migrations, then empty every table but their own history."""
    await apply_migrations(connection)
    tables = await connection.fetch(
        "SELECT quote_ident(tablename) AS name FROM pg_tables"
        " WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'"
    )
    if tables:
        await connection.execute(
            f"TRUNCATE {', '.join(table['name'] for table in tables)} RESTART IDENTITY"
        )
