"""Migrations run once each and in order, notice edited files, and a failed one leaves no trace."""

from collections.abc import AsyncIterator

import anyio
import asyncpg
import pytest

from {{ cookiecutter.__package }}.core import cli
from {{ cookiecutter.__package }}.core.migrate import (
    Migration,
    MigrationError,
    apply_migrations,
    load_migrations,
)

from ..database import connected, with_server_setting

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fresh_schema(database_url: str, schema: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection whose search_path is a new, empty schema."""
    async with connected(database_url, server_settings={"search_path": schema}) as connection:
        yield connection


async def test_migrations_apply_once_and_leave_no_lock_or_setting_behind(
    fresh_schema: asyncpg.Connection,
) -> None:
    timeout = await fresh_schema.fetchval("SHOW statement_timeout")

    first = await apply_migrations(fresh_schema)
    second = await apply_migrations(fresh_schema)

    assert first == load_migrations()
    assert second == []
    versions = await fresh_schema.fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in versions] == [migration.version for migration in first]
    assert await fresh_schema.fetchval("SELECT count(*) FROM tasks") == 0
    # Nothing outlives a transaction, as a transaction-mode pooler such as PgBouncer needs.
    held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    assert await fresh_schema.fetchval(held) == 0
    assert await fresh_schema.fetchval("SHOW statement_timeout") == timeout


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


async def test_an_edited_migration_is_refused_and_migrate_says_so_in_one_line(
    fresh_schema: asyncpg.Connection,
    database_url: str,
    schema: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = load_migrations()
    await apply_migrations(fresh_schema, shipped)
    edited = [Migration(shipped[0].version, shipped[0].name, shipped[0].sql + "\n-- edited")]
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await apply_migrations(fresh_schema, edited)

    # The command, on a history whose checksum no longer matches the shipped file.
    await fresh_schema.execute("UPDATE schema_migrations SET checksum = 'edited'")
    monkeypatch.setenv("DATABASE_URL", with_server_setting(database_url, "search_path", schema))
    with pytest.raises(SystemExit, match=r"^error: cannot migrate the database .* changed after"):
        await anyio.to_thread.run_sync(cli.main, ["migrate"])  # in a thread: it runs its own loop


async def test_failed_migration_leaves_no_trace(fresh_schema: asyncpg.Connection) -> None:
    broken = Migration(1, "broken", "CREATE TABLE half (id int); SELECT * FROM missing_table")

    with pytest.raises(asyncpg.UndefinedTableError):
        await apply_migrations(fresh_schema, [broken])

    assert await fresh_schema.fetchval("SELECT to_regclass('half')") is None
    # The history table is created in the same transaction, and rolled back with it.
    assert await fresh_schema.fetchval("SELECT to_regclass('schema_migrations')") is None
