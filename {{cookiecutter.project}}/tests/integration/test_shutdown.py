"""Shutting down: requests in flight finish, then the lifespan closes the pool.

A request stuck on the database cannot hold the process up: after
`db_pool_close_timeout` the pool closes its busy connections and the request gets a 503.
"""

from __future__ import annotations

import logging
import socket

import anyio
import asyncpg
import httpx2
import pytest
import uvicorn

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.settings import Settings

from .app_client import app_client
from .proxy import DatabaseProxy
from .recording_opener import RecordingOpener

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("empty_tasks_table")]

# Bounds the whole test: shutdown must not hang.
SHUTDOWN_WITHIN = 15


async def wait_until_refused(port: int) -> None:
    """Return once nothing accepts connections on the port any more."""
    while True:
        try:
            probe = await anyio.connect_tcp("127.0.0.1", port)
        except OSError:
            return
        await probe.aclose()
        await anyio.sleep(0.01)


async def test_request_in_flight_finishes_before_the_pool_closes(
    proxy: DatabaseProxy, recording_opener: RecordingOpener, connection: asyncpg.Connection
) -> None:
    app = create_app(Settings(database_url=proxy.url, _env_file=None), database=recording_opener)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None))
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    responses: list[httpx2.Response] = []

    with anyio.fail_after(SHUTDOWN_WITHIN):
        async with (
            httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
            anyio.create_task_group() as running,
        ):

            async def create_task_in_flight() -> None:
                responses.append(await client.post("/tasks", json={"title": "in flight"}))

            running.start_soon(server.serve, [listening])
            # Answered once the server serves, which it does after the lifespan started.
            assert (await client.get("/ready")).status_code == 200
            proxy.partition()
            running.start_soon(create_task_in_flight)
            await proxy.wait_until_holding()  # the INSERT is on its way to the database

            server.should_exit = True
            await wait_until_refused(port)  # shutdown has begun
            proxy.restore()

    [response] = responses
    assert response.status_code == 201
    [database] = recording_opener.opened
    assert database.pool.is_closing()
    stored = await connection.fetchval(
        "SELECT title FROM tasks WHERE id = $1", response.json()["id"]
    )
    assert stored == "in flight"


async def test_shutdown_closes_a_stuck_connection_after_the_pool_close_timeout(
    proxy: DatabaseProxy, recording_opener: RecordingOpener, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=proxy.url, db_pool_close_timeout=0.2, _env_file=None)
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
