"""Hostile input never gets a 5xx, and a task is stored exactly as it was sent.

Hypothesis sends arbitrary JSON bodies (titles with NUL, lone surrogates, whitespace of
every kind, thousands of characters or no string at all; NaN; extra keys), path ids (any
integer, any text) and paging parameters (any integer, any text) to the app running on
PostgreSQL. Each test judges a response against its own reading of the API contract.

The examples of a test share its `client` and its table on purpose: each example checks
only what it sent itself, so the app need not start afresh for each of them.
"""

import json
from typing import Any
from urllib.parse import quote, urlencode

import asyncpg
import httpx2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.__package }}.core.fields import VISIBLE_CHARACTER
from {{ cookiecutter.__package }}.core.parameters import MAX_ID, MAX_PAGE_SIZE
from {{ cookiecutter.__package }}.settings import DEFAULT_MAX_REQUEST_BODY_BYTES
from {{ cookiecutter.__package }}.tasks.schemas import TITLE_MAX_LENGTH

pytestmark = pytest.mark.anyio

shares_the_client = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

JSON_CONTENT = {"content-type": "application/json"}
DEFAULT_PAGE_SIZE = 50
PAGED_TITLES = ["first", "second", "third"]
TASK_FIELDS = {"title", "completed"}
# Accepted and ignored: a client may send back a task it read.
READ_ONLY_FIELDS = {"id", "created_at"}

surrogates = st.characters(categories=["Cs"])  # lone: JSON can escape them, UTF-8 cannot
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters() | surrogates),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)
ordinary_titles = st.text(max_size=TITLE_MAX_LENGTH)  # any Unicode but surrogates
hostile_titles = st.one_of(
    st.text(st.characters() | surrogates, max_size=20),
    st.text(st.characters(categories=["Z", "Cc"]), max_size=5),  # blank, or with NUL
    st.integers(TITLE_MAX_LENGTH - 1, TITLE_MAX_LENGTH + 1).flatmap(
        lambda size: st.text(min_size=size, max_size=size)
    ),
    st.text(min_size=1, max_size=3).map(lambda text: text * 5_000),
    json_values,
)
extra_fields = st.dictionaries(st.text(st.characters() | surrogates), json_values, max_size=2)


def task_bodies(*, title_required: bool) -> st.SearchStrategy[Any]:
    """Bodies of every kind, about a quarter of them valid."""

    def task_objects(
        titles: st.SearchStrategy[Any], completions: st.SearchStrategy[Any]
    ) -> st.SearchStrategy[dict[str, Any]]:
        title = {"title": titles}
        required, optional = (title, {}) if title_required else ({}, title)
        return st.fixed_dictionaries(required, optional={**optional, "completed": completions})

    return st.one_of(
        task_objects(ordinary_titles, st.booleans()),
        task_objects(hostile_titles, st.booleans()),
        st.builds(
            lambda extra, known: {**extra, **known},
            extra_fields,
            task_objects(ordinary_titles | hostile_titles, json_values),
        ),
        json_values,
    )


def encode(body: Any) -> bytes:
    """JSON as a client may send it: NaN and infinities too, surrogates escaped."""
    return json.dumps(body, allow_nan=True).encode()


def is_storable_title(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= TITLE_MAX_LENGTH
        and bool(VISIBLE_CHARACTER.search(value))  # the API's definition of blank
        and "\x00" not in value
        and not any("\ud800" <= character <= "\udfff" for character in value)
    )


def is_valid_task_change(body: object, *, creating: bool) -> bool:
    """Whether the API must accept the body: a create, or an update (which needs a field)."""
    if not isinstance(body, dict) or not body.keys() <= TASK_FIELDS | READ_ONLY_FIELDS:
        return False
    if not ({"title"} <= body.keys() if creating else TASK_FIELDS & body.keys()):
        return False
    title_ok = "title" not in body or is_storable_title(body["title"])
    completed_ok = "completed" not in body or isinstance(body["completed"], bool)
    return title_ok and completed_ok


async def stored_task(connection: asyncpg.Connection, task_id: int) -> dict[str, Any] | None:
    row = await connection.fetchrow("SELECT title, completed FROM tasks WHERE id = $1", task_id)
    return None if row is None else dict(row)


def assert_refused(response: httpx2.Response, content: bytes) -> None:
    """A 413 for a body over the limit, which is never read; else a 400 or 422 that says why."""
    if len(content) > DEFAULT_MAX_REQUEST_BODY_BYTES:
        assert response.status_code == 413, response.text
        return
    assert response.status_code in {400, 422}, response.text
    assert response.json()["errors"]


@shares_the_client
@given(body=task_bodies(title_required=True))
@example(body={"title": "nul \x00 inside"})
@example(body={"title": "lone \ud800 surrogate"})
@example(body={"title": float("nan")})
@example(body={"title": "x" * TITLE_MAX_LENGTH, "completed": True})
async def test_create_refuses_with_4xx_or_stores_exactly_what_was_sent(
    client: httpx2.AsyncClient, connection: asyncpg.Connection, body: Any
) -> None:
    content = encode(body)
    sent = json.loads(content)  # what the JSON means: escaped surrogate pairs join up

    response = await client.post("/tasks", content=content, headers=JSON_CONTENT)

    if not is_valid_task_change(sent, creating=True):
        assert_refused(response, content)
        return
    assert response.status_code == 201, response.text
    task = response.json()
    expected = {"title": sent["title"], "completed": sent.get("completed", False)}
    assert {"title": task["title"], "completed": task["completed"]} == expected
    assert (await client.get(f"/tasks/{task['id']}")).json() == task
    assert await stored_task(connection, task["id"]) == expected


@shares_the_client
@given(body=task_bodies(title_required=False))
@example(body={})
@example(body={"title": None})
@example(body={"completed": 1})
async def test_update_refuses_with_4xx_or_stores_exactly_what_was_sent(
    client: httpx2.AsyncClient, connection: asyncpg.Connection, body: Any
) -> None:
    task = (await client.post("/tasks", json={"title": "before"})).json()
    content = encode(body)
    sent = json.loads(content)

    response = await client.patch(f"/tasks/{task['id']}", content=content, headers=JSON_CONTENT)

    if not is_valid_task_change(sent, creating=False):
        assert_refused(response, content)
        expected = task
    else:
        assert response.status_code == 200, response.text
        expected = {**task, **{key: sent[key] for key in TASK_FIELDS & sent.keys()}}
        assert response.json() == expected
    assert (await client.get(f"/tasks/{task['id']}")).json() == expected
    stored = await stored_task(connection, task["id"])
    assert stored == {"title": expected["title"], "completed": expected["completed"]}


@shares_the_client
@given(method=st.sampled_from(["GET", "PATCH", "DELETE"]), task_id=st.integers() | st.text())
@example(method="GET", task_id=0)
@example(method="GET", task_id=MAX_ID)
@example(method="DELETE", task_id=MAX_ID + 1)
@example(method="PATCH", task_id=-(2**63))
@example(method="GET", task_id="9" * 5_000)
@example(method="GET", task_id="")
@example(method="GET", task_id=".")
@example(method="DELETE", task_id="..")
@example(method="GET", task_id="\ud800")
async def test_any_path_id_names_no_task_or_is_unprocessable(
    client: httpx2.AsyncClient, method: str, task_id: int | str
) -> None:
    # The table is empty: no id names a task. Dots are escaped too, or the client would
    # resolve `/tasks/.` to `/tasks` before sending it.
    segment = quote(str(task_id), safe="", errors="surrogatepass").replace(".", "%2E")

    response = await client.request(method, f"/tasks/{segment}", json={"completed": True})

    if isinstance(task_id, int):
        assert response.status_code == (404 if 1 <= task_id <= MAX_ID else 422)
    else:
        assert response.status_code in {404, 422}
    assert response.json()["detail"]
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
async def paged_tasks(client: httpx2.AsyncClient) -> None:
    for title in PAGED_TITLES:
        assert (await client.post("/tasks", json={"title": title})).status_code == 201


@shares_the_client
@pytest.mark.usefixtures("paged_tasks")
@given(
    paging=st.fixed_dictionaries(
        {},
        optional={"limit": st.integers() | st.text(), "offset": st.integers() | st.text()},
    ),
    extra=st.dictionaries(st.text(), st.text(), max_size=2),
)
@example(paging={"limit": MAX_PAGE_SIZE, "offset": MAX_ID}, extra={})
@example(paging={"limit": MAX_PAGE_SIZE + 1}, extra={})
@example(paging={"offset": MAX_ID + 1}, extra={})
@example(paging={"limit": "\ud800"}, extra={})
async def test_any_paging_gives_a_page_or_is_unprocessable(
    client: httpx2.AsyncClient, paging: dict[str, int | str], extra: dict[str, str]
) -> None:
    query = urlencode({**extra, **paging}, errors="surrogatepass")

    response = await client.get(f"/tasks?{query}")

    limit, offset = paging.get("limit", DEFAULT_PAGE_SIZE), paging.get("offset", 0)
    if isinstance(limit, int) and isinstance(offset, int):
        if 1 <= limit <= MAX_PAGE_SIZE and 0 <= offset <= MAX_ID:
            assert response.status_code == 200, response.text
            page = [task["title"] for task in response.json()]
            assert page == PAGED_TITLES[offset : offset + limit]
        else:
            assert response.status_code == 422
    else:
        assert response.status_code in {200, 422}
