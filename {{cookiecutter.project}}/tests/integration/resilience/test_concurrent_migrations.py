"""Instances that start together on one database apply each migration once."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import asyncpg
import httpx2
import pytest

from {{ cookiecutter.__package }} import app as app_module
from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.core.migrate import Migration, apply_migrations, load_migrations
from {{ cookiecutter.__package }}.settings import Settings

from ...database import with_server_setting
from ...settings import settings_for_tests
from ..app_client import app_client

pytestmark = pytest.mark.anyio


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
    connection: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = with_server_setting(database_url, "search_path", schema)
    settings = settings_for_tests(database_url=url)
    applied_by_each_start: list[list[Migration]] = []
    arrived = 0
    both_arrived = anyio.Event()

    async def apply_once_both_arrived(
        borrowed: asyncpg.pool.PoolConnectionProxy,
    ) -> list[Migration]:
        """Hold the first two instances back until both are ready to migrate."""
        nonlocal arrived
        arrived += 1
        if arrived == 2:
            both_arrived.set()
        await both_arrived.wait()
        applied = await apply_migrations(borrowed)
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
    await connection.execute(f'SET search_path TO "{schema}"')
    versions = await connection.fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in versions] == [m.version for m in load_migrations()]
    assert await connection.fetchval("SELECT count(*) FROM tasks") == 2
