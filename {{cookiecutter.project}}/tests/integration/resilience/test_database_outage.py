"""Without its database the API answers 503 with a JSON error, never 500, and never hangs.

Whether the database is unreachable from the start or goes away under a running app
(the server stops, or the network drops everything), every route that needs it answers
503 within the configured timeouts (and every write, while it takes no writes),
`/health` stays 200, and the same app serves again by itself once the database is
back, with every task it confirmed still there.
"""

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import asyncpg
import httpx2
import pytest

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.core import database
from {{ cookiecutter.__package }}.settings import Settings

from ...database import with_server_setting
{%- if cookiecutter.include_metrics %}
from ...metrics_text import scraped_value
{%- endif %}
from ...service_log import service_logging
from ...settings import settings_for_tests
from ..app_client import app_client
from .proxy import DatabaseProxy

pytestmark = pytest.mark.anyio

NO_SUCH_TASK = 10**9
OUTAGE_TITLE = "sent during the outage"
ROUTES_THAT_NEED_THE_DATABASE: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/ready", None),
    ("GET", "/tasks", None),
    ("POST", "/tasks", {"title": OUTAGE_TITLE}),
    ("GET", f"/tasks/{NO_SUCH_TASK}", None),
    ("PATCH", f"/tasks/{NO_SUCH_TASK}", {"completed": True}),
    ("DELETE", f"/tasks/{NO_SUCH_TASK}", None),
]
UNAVAILABLE = {
    "type": "about:blank",
    "title": "Service Unavailable",
    "status": 503,
    "detail": "the database is unavailable, retry later",
}
# Short, to keep the test quick; long enough for a healthy statement on a busy machine.
FAULT_TIMEOUT = 1.0
# With a minimum size, asyncpg replaces a lost connection in the background. If the pool
# closes while that connection's TLS probe (TCP servers) is being set up, asyncpg leaves
# an exception unretrieved, which anyio's test runner reports as an error. These tests
# are about requests, which reconnect by themselves either way.
NO_BACKGROUND_REFILL = 0
# A request waits at most for a connection and then for one statement; the rest is slack.
ANSWER_WITHIN = 2 * FAULT_TIMEOUT + 3


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def assert_unavailable(response: httpx2.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "5"


@pytest.fixture
async def unreachable_client() -> AsyncIterator[httpx2.AsyncClient]:
    settings = settings_for_tests(
        database_url=f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres",
        db_pool_min_size=0,  # no connection at startup: the app starts without a database
        db_connect_timeout=FAULT_TIMEOUT,
        run_migrations=False,
    )
    async with app_client(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(("method", "path", "body"), ROUTES_THAT_NEED_THE_DATABASE)
async def test_routes_answer_503_without_a_database(
    unreachable_client: httpx2.AsyncClient, method: str, path: str, body: object
) -> None:
    assert_unavailable(await unreachable_client.request(method, path, json=body))


async def test_health_stays_up_without_a_database(unreachable_client: httpx2.AsyncClient) -> None:
    assert (await unreachable_client.get("/health")).status_code == 200


def settings_through(proxy: DatabaseProxy) -> Settings:
    """The service's settings to reach the database through the proxy, quick to give up."""
    return settings_for_tests(
        database_url=proxy.url,
        db_pool_min_size=NO_BACKGROUND_REFILL,
        db_connect_timeout=FAULT_TIMEOUT,
        db_acquire_timeout=FAULT_TIMEOUT,
        db_command_timeout=FAULT_TIMEOUT,
    )


async def create_task(client: httpx2.AsyncClient, **body: Any) -> dict[str, Any]:
    """POST the body to /tasks and return the task it created."""
    response = await client.post("/tasks", json=body)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


@pytest.mark.usefixtures("empty_tables")
@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(DatabaseProxy.cut, id="server-stops"),
        pytest.param(DatabaseProxy.partition, id="network-drops-everything"),
    ],
)
async def test_outage_answers_503_then_the_app_recovers_with_nothing_lost(
    proxy: DatabaseProxy,
    connection: asyncpg.Connection,
    fault: Callable[[DatabaseProxy], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = settings_through(proxy)
    async with app_client(create_app(settings)) as client:
        confirmed = [await create_task(client, title=f"before {number}") for number in range(3)]

        fault(proxy)
        with anyio.fail_after(ANSWER_WITHIN):
            *during, health = await asyncio.gather(
                *(
                    client.request(method, path, json=body)
                    for method, path, body in ROUTES_THAT_NEED_THE_DATABASE
                ),
                client.get("/health"),
            )
        for response in during:
            assert_unavailable(response)
        assert health.status_code == 200

        proxy.restore()
        assert (await client.get("/ready")).status_code == 200
        confirmed += [await create_task(client, title=f"after {number}") for number in range(3)]
        assert (await client.get("/tasks")).json()[-3:] == confirmed[-3:]

    # One line when the outage begins and one when it ends, however many requests failed.
    address = settings.database_address
    records = [record for record in caplog.records if record.name == database.logger.name]
    began, ended = (record.getMessage() for record in records)
    assert began.startswith(f"database at {address} unavailable: ")
    assert ended == f"database at {address} available again"
    assert all(record.exc_info is None for record in records)

    stored = {
        row["id"]: dict(row)
        for row in await connection.fetch("SELECT id, title, completed FROM tasks")
    }
    for task in confirmed:
        assert stored.pop(task["id"]) == {key: task[key] for key in ("id", "title", "completed")}
    # A 503 leaves the outcome unknown: an INSERT held up by the network reaches the server
    # once it is back. Nothing else may appear.
    assert [row["title"] for row in stored.values()] in ([], [OUTAGE_TITLE])


@pytest.mark.usefixtures("empty_tables")
{%- if cookiecutter.include_metrics %}
async def test_an_outage_shows_in_the_metrics_and_its_warning_names_the_request_that_met_it(
{%- else %}
async def test_the_warning_of_an_outage_names_the_request_that_met_it(
{%- endif %}
    proxy: DatabaseProxy, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_through(proxy)
    with service_logging(capsys, settings) as log:
        async with app_client(create_app(settings)) as client:
            await create_task(client, title="before")
{%- if cookiecutter.include_metrics %}
            assert await scraped_value(client, "db_unavailable_total") == 0
            assert await scraped_value(client, "db_pool_connections") == 1
{%- endif %}

            proxy.cut()
            with anyio.fail_after(3 * ANSWER_WITHIN):
                for number in range(3):
                    headers = {"X-Request-ID": f"outage-{number}"}
                    assert_unavailable(await client.get("/tasks", headers=headers))
{%- if cookiecutter.include_metrics %}
            assert await scraped_value(client, "db_unavailable_total") == 3
            assert await scraped_value(client, "db_pool_connections") == 0
{%- endif %}

            proxy.restore()
            await create_task(client, title="after")
{%- if cookiecutter.include_metrics %}
            assert await scraped_value(client, "db_pool_connections") == 1
            assert await scraped_value(client, "db_unavailable_total") == 3
{%- endif %}

    began, ended = [event for event in log.events() if event.get("logger") == database.logger.name]
    assert began["event"].startswith(f"database at {settings.database_address} unavailable")
    assert began["request_id"] == "outage-0"
    assert ended["event"] == f"database at {settings.database_address} available again"
    assert "request_id" in ended  # the request that found it back


async def test_a_database_that_takes_no_writes_answers_writes_503_and_is_not_ready(
    database_url: str, empty_tables: None
) -> None:
    # As a standby does during a failover: reads answer, writes are refused.
    read_only = with_server_setting(database_url, "default_transaction_read_only", "on")
    settings = settings_for_tests(database_url=read_only, run_migrations=False)

    async with app_client(create_app(settings)) as client:
        created = await client.post("/tasks", json={"title": "refused"})
        ready = await client.get("/ready")
        listed = await client.get("/tasks")

    assert (created.status_code, created.json()) == (503, UNAVAILABLE)
    assert created.headers["Retry-After"]
    assert (ready.status_code, ready.json()) == (503, UNAVAILABLE)
    assert (listed.status_code, listed.json()) == (200, [])
