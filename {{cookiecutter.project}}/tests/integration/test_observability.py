"""What the running service tells its operators: its readiness, its log lines{% if cookiecutter.include_metrics %} and its metrics{% endif %}."""

import json
{%- if cookiecutter.include_metrics %}
from contextlib import AsyncExitStack, nullcontext
{%- endif %}
from pathlib import Path
{% if cookiecutter.include_metrics %}
import anyio
{%- endif %}
import httpx2
import pytest

from {{ cookiecutter.__package }}.app import create_app
{%- if cookiecutter.include_metrics %}
from {{ cookiecutter.__package }}.core.database import open_database
from {{ cookiecutter.__package }}.settings import Settings
{%- endif %}

from ..database import with_server_setting
{%- if cookiecutter.include_metrics %}
from ..metrics_text import scraped_value
{%- endif %}
from ..settings import settings_for_tests
from .app_client import app_client
from .running_service import running_service

pytestmark = pytest.mark.anyio
{%- if cookiecutter.include_metrics %}

# Long enough for a loaded test machine; the requests here take milliseconds.
ANSWER_WITHIN = 10
HELD_CONNECTIONS = 3
{%- endif %}


async def test_ready_when_the_database_answers(client: httpx2.AsyncClient) -> None:
    response = await client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_not_ready_while_the_database_takes_no_writes(database_url: str) -> None:
    read_only = with_server_setting(database_url, "default_transaction_read_only", "on")
    app = create_app(settings_for_tests(database_url=read_only, run_migrations=False))
    async with app_client(app) as client:
        response = await client.get("/ready")

    assert response.status_code == 503


@pytest.mark.usefixtures("empty_tables")
async def test_the_server_writes_json_lines_only_and_one_per_request(
    database_url: str, tmp_path: Path
) -> None:
    async with running_service(tmp_path / "service.log", DATABASE_URL=database_url) as service:
        async with httpx2.AsyncClient(base_url=service.url) as client:
            created = await client.post(
                "/tasks", json={"title": "Logged"}, headers={"X-Request-ID": "outside-1"}
            )
            read = await client.get(f"/tasks/{created.json()['id']}")
        await service.stop()

    assert created.headers["x-request-id"] == "outside-1"
    events = [json.loads(line) for line in service.output().splitlines()]  # Granian's too
    requests = [event for event in events if event.get("event") == "request"]
    # The readiness polls at startup, then the two requests: nothing else logs them.
    *polls, create_line, read_line = requests
    assert {(poll["route"], poll["status"]) for poll in polls} == {("/health", 200)}
    expected = {"route": "/tasks", "status": 201, "request_id": "outside-1"}
    assert create_line.items() >= expected.items()
    assert read_line["request_id"] == read.headers["x-request-id"]
    assert read_line["client"] == "127.0.0.1"
    assert any(event.get("logger") == "_granian" for event in events)
{%- if cookiecutter.include_metrics %}


async def test_the_pool_gauges_follow_the_connections_in_use(settings: Settings) -> None:
    settings = settings.model_copy(update={"db_pool_min_size": 1})
    async with open_database(settings) as database:
        app = create_app(settings, database=lambda _: nullcontext(database))
        async with app_client(app) as client:
            assert await scraped_value(client, "db_pool_connections") == 1
            assert await scraped_value(client, "db_pool_idle_connections") == 1
            maximum = await scraped_value(client, "db_pool_max_connections")
            assert maximum == settings.db_pool_max_size

            with anyio.fail_after(ANSWER_WITHIN):
                async with AsyncExitStack() as holding:
                    for _ in range(HELD_CONNECTIONS):
                        await holding.enter_async_context(database.connection())
                    assert await scraped_value(client, "db_pool_connections") == HELD_CONNECTIONS
                    assert await scraped_value(client, "db_pool_idle_connections") == 0

            assert await scraped_value(client, "db_pool_idle_connections") == HELD_CONNECTIONS
{%- endif %}
