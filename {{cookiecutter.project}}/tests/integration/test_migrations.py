"""Migrations run once each and in order, even when instances start together.

They also notice files edited after they ran, and a failed one leaves no trace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import asyncpg
import httpx2
import pytest

from {{ cookiecutter.__package }} import app as app_module
from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.core.migrate import (
    Migration,
    MigrationError,
    apply_migrations,
    load_migrations,
)
from {{ cookiecutter.__package }}.settings import Settings

from ..settings import settings_for_tests
from .app_client import app_client
from .database_urls import with_search_path

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fresh_schema(database_url: str, schema: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection whose search_path is a new, empty schema."""
    connection = await asyncpg.connect(database_url, server_settings={"search_path": schema})
    try:
        yield connection
    finally:
        await connection.close()


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
    # The history table is created in the same transaction, and rolled back with it.
    assert await fresh_schema.fetchval("SELECT to_regclass('schema_migrations')") is None


async def test_migrations_leave_no_lock_or_setting_behind(fresh_schema: asyncpg.Connection) -> None:
    timeout = await fresh_schema.fetchval("SHOW statement_timeout")

    await apply_migrations(fresh_schema)

    # Nothing outlives a transaction, as a transaction-mode pooler such as PgBouncer needs.
    held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    assert await fresh_schema.fetchval(held) == 0
    assert await fresh_schema.fetchval("SHOW statement_timeout") == timeout


@asynccontextmanager
async def instances_started_together(
    settings: Settings, count: int
) -> AsyncIterator[list[httpx2.AsyncClient]]:
    """Start `count` service instances at once; yield a client for each while all run."""
    clients: list[httpx2.AsyncClient] = []
    all_started = anyio.Event()
    stop = anyio.Event()

    async def run_instance() -> None:
        async with app_client(create_app(settings)) as client:
            clients.append(client)
            if len(clients) == count:
                all_started.set()
            await stop.wait()

    async with anyio.create_task_group() as instances:
        for _ in range(count):
            instances.start_soon(run_instance)
        with anyio.fail_after(10):
            await all_started.wait()
        try:
            yield clients
        finally:
            stop.set()


async def test_instances_starting_together_apply_each_migration_once(
    database_url: str,
    schema: str,
    fresh_schema: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_for_tests(database_url=with_search_path(database_url, schema))
    applied_by_each_start: list[list[Migration]] = []
    arrived = 0
    both_arrived = anyio.Event()

    async def apply_once_both_arrived(
        connection: asyncpg.pool.PoolConnectionProxy,
    ) -> list[Migration]:
        """Hold the first two instances back until both are ready to migrate."""
        nonlocal arrived
        arrived += 1
        if arrived == 2:
            both_arrived.set()
        await both_arrived.wait()
        applied = await apply_migrations(connection)
        applied_by_each_start.append(applied)
        return applied

    monkeypatch.setattr(app_module, "apply_migrations", apply_once_both_arrived)

    async with instances_started_together(settings, 2) as clients:
        for client in clients:
            assert (await client.get("/ready")).status_code == 200
            assert (await client.post("/tasks", json={"title": "served"})).status_code == 201
    async with instances_started_together(settings, 1):
        pass

    first_two, third = applied_by_each_start[:2], applied_by_each_start[2]
    # Each migration applied once, by one of the two: each takes the lock per migration.
    applied_by_either = sorted(first_two[0] + first_two[1], key=lambda m: m.version)
    assert applied_by_either == load_migrations()
    assert third == []
    versions = await fresh_schema.fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in versions] == [m.version for m in load_migrations()]
    assert await fresh_schema.fetchval("SELECT count(*) FROM tasks") == 2
