"""The task API's contract, against the in-memory repository."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.tasks.schemas import TITLE_MAX_LENGTH

from .fakes import InMemoryTaskRepository
from .problems import locations, problem


def create_task(client: TestClient, **body: Any) -> Any:
    """POST the body to /tasks and return the task it created."""
    response = client.post("/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    "body",
    [{}, {"completed": True}, {"id": 7, "created_at": "1999-01-01T00:00:00Z"}],
    ids=["default", "completed", "read-only-fields-ignored"],
)
def test_create_returns_the_stored_task_with_its_id(
    client: TestClient, task_repository: InMemoryTaskRepository, body: dict[str, Any]
) -> None:
    response = client.post("/tasks", json={"title": "Write docs", **body})

    task = response.json()
    assert response.status_code == 201
    assert (task["title"], task["completed"]) == ("Write docs", body.get("completed", False))
    assert task["id"] == 1  # the first, whatever id the body gave
    assert task["created_at"] != "1999-01-01T00:00:00Z"
    assert response.headers["location"] == f"/tasks/{task['id']}"
    assert task_repository.tasks[task["id"]].model_dump(mode="json") == task


@pytest.mark.parametrize(
    "title", ["", "   ", "\t\n", "\u200b", "\u00a0\u2060\ufeff", "\u3164", "\u0085\u180e"]
)
def test_create_without_a_visible_title_is_a_bad_request(client: TestClient, title: str) -> None:
    body = problem(client.post("/tasks", json={"title": title}), 400)

    assert body["detail"] == "title is required and must contain a visible character: see errors"
    assert body["errors"] == [
        {
            "location": ["body", "title"],
            "message": "title must contain a visible character",
            "type": "blank",
        }
    ]


def test_a_missing_or_blank_title_is_a_bad_request_that_lists_every_problem(
    client: TestClient,
) -> None:
    missing = problem(client.post("/tasks", json={"completed": "yes", "colour": "red"}), 400)
    others = {f"key{number}": "v" for number in range(50)}
    blank = problem(client.post("/tasks", json={"title": " ", **others}), 400)
    assert sorted(locations(missing)) == [["body", k] for k in ("colour", "completed", "title")]
    assert blank["errors"][0]["location"] == ["body", "title"]


@pytest.mark.parametrize(
    "title",
    [
        *["x", "·", "\u200bx", "e\u0301", "🐍", "\u2800"],
        pytest.param("x" * TITLE_MAX_LENGTH, id="maximum-length"),
    ],
)
def test_one_visible_character_makes_a_title(client: TestClient, title: str) -> None:
    assert create_task(client, title=title)["title"] == title


@pytest.mark.parametrize(
    ("body", "location"),
    [
        *[({"title": bad}, ["body", "title"]) for bad in (42, None, ["a list"], "nul\x00byte")],
        ({"title": "x" * (TITLE_MAX_LENGTH + 1)}, ["body", "title"]),
        *[({"title": "ok", "completed": bad}, ["body", "completed"]) for bad in ("yes", 1)],
        ({"title": "ok", "unknown": "field"}, ["body", "unknown"]),
        ([], ["body"]),
        ("just a string", ["body"]),
    ],
)
def test_create_with_a_malformed_body_is_unprocessable(
    client: TestClient, body: Any, location: list[str]
) -> None:
    assert locations(problem(client.post("/tasks", json=body), 422)) == [location]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_unknown_task_is_not_found(client: TestClient, method: str) -> None:
    response = client.request(method, "/tasks/12345", json={"completed": True})
    assert problem(response, 404)["detail"] == "task 12345 not found"


@pytest.mark.parametrize(
    "task_id",
    ["0", "-1", str(2**63), "99999999999999999999999", "1.5", "abc", "01", "+1", "1_0", "1.0"],
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_ids_that_are_not_plain_positive_bigints_are_unprocessable(
    client: TestClient, method: str, task_id: str
) -> None:
    create_task(client, title="task 1")  # so that /tasks/01 and friends would have a task to name
    response = client.request(method, f"/tasks/{task_id}", json={"completed": True})
    assert locations(problem(response, 422)) == [["path", "task_id"]]


@pytest.mark.parametrize(
    ("params", "page"),
    [({}, slice(5)), ({"limit": 2}, slice(2)), ({"limit": 10, "offset": 2}, slice(2, None))],
    ids=["by-default-the-first", "limited", "offset"],
)
def test_list_pages_in_id_order(client: TestClient, params: dict[str, int], page: slice) -> None:
    tasks = [create_task(client, title=f"task {number}") for number in range(5)]
    response = client.get("/tasks", params=params)
    assert (response.status_code, response.json()) == (200, tasks[page])


@pytest.mark.parametrize(
    "params",
    [
        *[{"limit": bad} for bad in (0, 101, "many", "010")],
        *[{"offset": bad} for bad in (-1, 2**63, "+1")],
    ],
)
def test_list_bounds_paging(client: TestClient, params: dict[str, Any]) -> None:
    problem(client.get("/tasks", params=params), 422)


def test_a_task_is_read_until_it_is_deleted(client: TestClient) -> None:
    task = create_task(client, title="Kept")
    url = f"/tasks/{task['id']}"

    read = client.get(url)
    deleted = client.delete(url)

    assert (read.status_code, read.json()) == (200, task)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert "content-type" not in deleted.headers
    problem(client.get(url), 404)
    problem(client.delete(url), 404)


def test_a_patch_changes_only_what_it_gives(client: TestClient) -> None:
    task = create_task(client, title="Before")
    url = f"/tasks/{task['id']}"

    completed = client.patch(url, json={"completed": True})
    renamed = client.patch(url, json={"title": "After", "id": 999})  # the id is read-only

    assert (completed.status_code, completed.json()) == (200, {**task, "completed": True})
    assert renamed.json() == {**task, "completed": True, "title": "After"}
    assert client.get(url).json() == renamed.json()


@pytest.mark.parametrize(
    ("body", "status", "location"),
    [
        ({"title": "  ", "completed": 3}, 400, ["body", "title"]),
        ({"title": "\u200b", "completed": 3}, 400, ["body", "title"]),
        ({}, 422, ["body"]),
        ({"id": 1}, 422, ["body"]),
        ({"title": None}, 422, ["body", "title"]),
        ({"completed": None}, 422, ["body", "completed"]),
        ({"completed": "no"}, 422, ["body", "completed"]),
        ({"extra": 1}, 422, ["body", "extra"]),
    ],
)
def test_a_refused_patch_changes_nothing(
    client: TestClient, body: dict[str, Any], status: int, location: list[str]
) -> None:
    task = create_task(client, title="Unchanged")
    response = client.patch(f"/tasks/{task['id']}", json=body)
    assert location in locations(problem(response, status))
    assert client.get(f"/tasks/{task['id']}").json() == task
