"""Many requests at once: every create is stored once, and updates never mix."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx2
import pytest

pytestmark = pytest.mark.anyio

CONCURRENT_CREATES = 500
CONCURRENT_UPDATES = 50


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
