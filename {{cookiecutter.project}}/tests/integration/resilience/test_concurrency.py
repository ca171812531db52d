"""Many requests at once: every create is stored once, updates never mix, and past the
concurrency limit a request is refused at once with nothing stored."""

import asyncio
from collections import Counter

import asyncpg
import httpx2
import pytest

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.settings import Settings

from ...settings import settings_for_tests
from ..app_client import app_client

pytestmark = pytest.mark.anyio

CONCURRENT_CREATES = 500
CONCURRENT_UPDATES = 50
# Few enough that requests waiting for one of the pool's 10 connections pass it.
CONCURRENCY_LIMIT = 20


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Room for every request of these tests at once, as if they came through many workers."""
    return settings_for_tests(database_url=database_url, max_concurrent_requests=CONCURRENT_CREATES)


async def test_concurrent_creates_are_each_stored_once(
    client: httpx2.AsyncClient, connection: asyncpg.Connection
) -> None:
    titles = [f"task {number}" for number in range(CONCURRENT_CREATES)]

    responses = await asyncio.gather(
        *(client.post("/tasks", json={"title": title}) for title in titles)
    )

    assert [response.status_code for response in responses] == [201] * CONCURRENT_CREATES
    created = {task["id"]: task["title"] for task in (response.json() for response in responses)}
    assert sorted(created.values()) == sorted(titles)  # so 500 distinct ids
    rows = await connection.fetch("SELECT id, title FROM tasks")
    assert {row["id"]: row["title"] for row in rows} == created


async def test_concurrent_updates_leave_one_of_the_written_states(
    client: httpx2.AsyncClient,
) -> None:
    task = (await client.post("/tasks", json={"title": "contended"})).json()
    writes = [
        {"title": f"writer {number}", "completed": number % 2 == 0}
        for number in range(CONCURRENT_UPDATES)
    ]

    responses = await asyncio.gather(
        *(client.patch(f"/tasks/{task['id']}", json=write) for write in writes)
    )

    for response, write in zip(responses, writes, strict=True):
        assert response.status_code == 200
        assert response.json() == {**task, **write}
    final = (await client.get(f"/tasks/{task['id']}")).json()
    assert final in [{**task, **write} for write in writes]


@pytest.mark.usefixtures("empty_tables")
async def test_past_the_concurrency_limit_requests_are_refused_at_once_and_lose_nothing(
    database_url: str, connection: asyncpg.Connection
) -> None:
    settings = settings_for_tests(
        database_url=database_url, max_concurrent_requests=CONCURRENCY_LIMIT
    )
    async with app_client(create_app(settings)) as client:
        responses = await asyncio.gather(
            *(client.post("/tasks", json={"title": f"t{n}"}) for n in range(CONCURRENT_UPDATES))
        )
        health = await client.get("/health")

    statuses = Counter(response.status_code for response in responses)
    assert statuses.keys() == {201, 503}, statuses
    for response in responses:
        if response.status_code == 503:
            assert response.headers["retry-after"] == "1"
            assert response.headers["content-type"] == "application/problem+json"
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert {row["id"] for row in await connection.fetch("SELECT id FROM tasks")} == created
    assert health.status_code == 200
