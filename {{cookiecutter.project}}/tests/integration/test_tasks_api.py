"""The task API against a real PostgreSQL: what the API says is what the table holds."""

import asyncpg
import httpx2
import pytest

from {{ cookiecutter.__package }}.tasks.schemas import TITLE_MAX_LENGTH

pytestmark = pytest.mark.anyio


async def test_created_task_is_stored(
    client: httpx2.AsyncClient, connection: asyncpg.Connection
) -> None:
    response = await client.post("/tasks", json={"title": "Persist me", "completed": True})

    assert response.status_code == 201
    task = response.json()
    row = await connection.fetchrow("SELECT title, completed FROM tasks WHERE id = $1", task["id"])
    assert row is not None
    assert dict(row) == {"title": "Persist me", "completed": True}


async def test_task_round_trip_keeps_a_unicode_title(
    client: httpx2.AsyncClient, connection: asyncpg.Connection
) -> None:
    title = "Ünïcödé ✓ 🐍 tab\there \u200b"
    created = (await client.post("/tasks", json={"title": title})).json()
    url = f"/tasks/{created['id']}"

    assert (await client.get(url)).json() == created
    assert created["title"] == title

    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert await connection.fetchval("SELECT count(*) FROM tasks") == 0


async def test_a_patch_keeps_what_it_leaves_out(client: httpx2.AsyncClient) -> None:
    created = (await client.post("/tasks", json={"title": "Original"})).json()
    url = f"/tasks/{created['id']}"

    assert (await client.patch(url, json={"completed": True})).status_code == 200
    updated = await client.patch(url, json={"title": "Renamed"})  # completed is kept
    assert updated.status_code == 200
    assert updated.json() == {**created, "title": "Renamed", "completed": True}
    assert (await client.get(url)).json() == updated.json()


@pytest.mark.usefixtures("empty_tables")
async def test_the_table_holds_the_longest_title_the_api_accepts_and_no_longer(
    connection: asyncpg.Connection,
) -> None:
    # The migration's CHECK mirrors TITLE_MAX_LENGTH: changing one alone fails here.
    insert = "INSERT INTO tasks (title) VALUES ($1)"
    await connection.execute(insert, "x" * TITLE_MAX_LENGTH)
    with pytest.raises(asyncpg.CheckViolationError):
        await connection.execute(insert, "x" * (TITLE_MAX_LENGTH + 1))


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_ids_are_not_found(client: httpx2.AsyncClient, method: str) -> None:
    for task_id in (999, 2**63 - 1):  # the largest bigint is a valid id that names no task
        response = await client.request(method, f"/tasks/{task_id}", json={"completed": True})
        assert response.status_code == 404


async def test_blank_title_is_refused_and_nothing_is_stored(
    client: httpx2.AsyncClient, connection: asyncpg.Connection
) -> None:
    response = await client.post("/tasks", json={"title": " "})

    assert response.status_code == 400
    assert await connection.fetchval("SELECT count(*) FROM tasks") == 0


async def test_the_server_assigns_ids_in_order_and_the_list_pages_through_them(
    client: httpx2.AsyncClient,
) -> None:
    titles = [f"task {number}" for number in range(7)]
    ids = [(await client.post("/tasks", json={"title": title})).json()["id"] for title in titles]

    pages = [
        [task["title"] for task in (await client.get(f"/tasks?limit=3&offset={offset}")).json()]
        for offset in (0, 3, 6, 9)
    ]

    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert pages == [titles[0:3], titles[3:6], titles[6:7], []]
