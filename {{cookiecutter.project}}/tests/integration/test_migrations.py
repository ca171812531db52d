"""Migrations run once each, in order, and notice files edited after they ran."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from {{ cookiecutter.__package }}.migrate import (
    Migration,
    MigrationError,
    apply_migrations,
    load_migrations,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fresh_schema(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection whose search_path is a new, empty schema, dropped afterwards."""
    schema = f"migration_test_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f'CREATE SCHEMA "{schema}"')
    connection = await asyncpg.connect(database_url, server_settings={"search_path": schema})
    try:
        yield connection
    finally:
        await connection.close()
        await admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.close()


async def test_migrations_apply_once(fresh_schema: asyncpg.Connection) -> None:
    first = await apply_migrations(fresh_schema)
    second = await apply_migrations(fresh_schema)

    assert first == load_migrations()
    assert second == []
    versions = await fresh_schema.fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in versions] == [migration.version for migration in first]
    assert await fresh_schema.fetchval("SELECT count(*) FROM tasks") == 0


async def test_new_migrations_are_applied_in_order(fresh_schema: asyncpg.Connection) -> None:
    shipped = load_migrations()
    await apply_migrations(fresh_schema, shipped)
    later = [
        Migration(9001, "add_notes", "ALTER TABLE tasks ADD COLUMN notes text"),
        Migration(9002, "fill_notes", "UPDATE tasks SET notes = 'n/a'"),
    ]

    applied = await apply_migrations(fresh_schema, [*shipped, *later])

    assert applied == later
    assert await fresh_schema.fetchval("SELECT max(version) FROM schema_migrations") == 9002


async def test_edited_migration_is_refused(fresh_schema: asyncpg.Connection) -> None:
    shipped = load_migrations()
    await apply_migrations(fresh_schema, shipped)
    edited = [Migration(shipped[0].version, shipped[0].name, shipped[0].sql + "\n-- edited")]

    with pytest.raises(MigrationError, match="changed after it was applied"):
        await apply_migrations(fresh_schema, edited)


async def test_failed_migration_leaves_no_trace(fresh_schema: asyncpg.Connection) -> None:
    broken = Migration(1, "broken", "CREATE TABLE half (id int); SELECT * FROM missing_table")

    with pytest.raises(asyncpg.UndefinedTableError):
        await apply_migrations(fresh_schema, [broken])

    assert await fresh_schema.fetchval("SELECT to_regclass('half')") is None
    assert await fresh_schema.fetchval("SELECT count(*) FROM schema_migrations") == 0
