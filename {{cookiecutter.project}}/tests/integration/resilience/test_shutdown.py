"""Shutting down: requests in flight finish, then the lifespan closes the pool.

The server is stopped as an orchestrator stops it, with SIGTERM to the start command. A
request stuck on the database cannot hold the process up: after `db_pool_close_timeout`
the pool closes its busy connections and the request gets a 503.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import asyncpg
import httpx2
import pytest

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.core.database import Database, open_database
from {{ cookiecutter.__package }}.settings import Settings

from ...settings import settings_for_tests
from ..app_client import app_client
from ..running_service import running_service
from .proxy import DatabaseProxy

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("empty_tables")]

# Bounds the whole test: shutdown must not hang.
SHUTDOWN_WITHIN = 30


class RecordingOpener:
    """Opens databases as the app does (`create_app(database=...)`) and keeps each one."""

    def __init__(self) -> None:
        self.opened: list[Database] = []

    @asynccontextmanager
    async def __call__(self, settings: Settings) -> AsyncIterator[Database]:
        async with open_database(settings) as database:
            self.opened.append(database)
            yield database


async def test_a_request_in_flight_finishes_before_the_server_stops(
    proxy: DatabaseProxy, connection: asyncpg.Connection, tmp_path: Path
) -> None:
    with anyio.fail_after(SHUTDOWN_WITHIN):
        async with (
            running_service(tmp_path / "service.log", DATABASE_URL=proxy.url) as service,
            httpx2.AsyncClient(base_url=service.url) as client,
        ):
            proxy.partition()
            in_flight = asyncio.create_task(client.post("/tasks", json={"title": "in flight"}))
            await proxy.wait_until_holding()  # the INSERT is on its way to the database

            stopping = asyncio.create_task(service.stop())
            await asyncio.sleep(0.5)  # the server has the signal before the database answers
            assert not in_flight.done()
            proxy.restore()
            response = await in_flight
            exit_status = await stopping

    assert response.status_code == 201, service.output()
    assert exit_status == 0, service.output()
    stored = await connection.fetchval(
        "SELECT title FROM tasks WHERE id = $1", response.json()["id"]
    )
    assert stored == "in flight"


async def test_shutdown_closes_a_stuck_connection_after_the_pool_close_timeout(
    proxy: DatabaseProxy, caplog: pytest.LogCaptureFixture
) -> None:
    recording_opener = RecordingOpener()
    settings = settings_for_tests(database_url=proxy.url, db_pool_close_timeout=0.2)
    responses: list[httpx2.Response] = []

    with anyio.fail_after(SHUTDOWN_WITHIN), caplog.at_level(logging.WARNING):
        async with (
            anyio.create_task_group() as requests,
            app_client(create_app(settings, database=recording_opener)) as client,
        ):

            async def create_stuck_task() -> None:
                responses.append(await client.post("/tasks", json={"title": "stuck"}))

            proxy.partition()  # and never restored
            requests.start_soon(create_stuck_task)
            await proxy.wait_until_holding()

    [response] = responses
    assert response.status_code == 503
    [database] = recording_opener.opened
    assert database.pool.is_closing()
    assert "pool still busy after 0.2 s: terminating its connections" in caplog.messages
