"""The task API's contract, against the in-memory repository."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.models import TITLE_MAX_LENGTH

from .fakes import InMemoryTaskRepository


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/tasks", json=body)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def test_create_returns_the_stored_task_with_its_id(
    client: TestClient, repository: InMemoryTaskRepository
) -> None:
    response = client.post("/tasks", json={"title": "Write docs"})

    assert response.status_code == 201
    task = response.json()
    assert task["title"] == "Write docs"
    assert task["completed"] is False
    assert response.headers["location"] == f"/tasks/{task['id']}"
    assert repository.tasks[task["id"]].title == "Write docs"


def test_create_keeps_completed(client: TestClient) -> None:
    assert create(client, title="Done already", completed=True)["completed"] is True


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": "   "}, {"title": "\t\n"}])
def test_create_without_a_real_title_is_a_bad_request(
    client: TestClient, body: dict[str, Any]
) -> None:
    response = client.post("/tasks", json=body)

    assert response.status_code == 400
    assert response.json() == {"detail": "title is required and must not be empty or blank"}


@pytest.mark.parametrize(
    "body",
    [
        {"title": 42},
        {"title": None},
        {"title": ["a list"]},
        {"title": "ok", "completed": "yes"},
        {"title": "ok", "completed": 1},
        {"title": "ok", "unknown": "field"},
        {"title": "x" * (TITLE_MAX_LENGTH + 1)},
        {"title": "nul\x00byte"},
        [],
        "just a string",
    ],
)
def test_create_with_a_malformed_body_is_unprocessable(client: TestClient, body: Any) -> None:
    response = client.post("/tasks", json=body)

    assert response.status_code == 422
    assert response.json()["detail"]


def test_create_with_invalid_json_is_unprocessable(client: TestClient) -> None:
    response = client.post(
        "/tasks", content=b'{"title": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422


def test_create_with_a_lone_surrogate_is_unprocessable(client: TestClient) -> None:
    response = client.post(
        "/tasks", content=b'{"title": "\\ud800"}', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]


@pytest.mark.parametrize(
    "content",
    [b'{"title": NaN}', b'{"title": 1e400}', b"-Infinity", b'{"title": "ok", "completed": NaN}'],
)
def test_create_with_a_non_finite_number_is_unprocessable(
    client: TestClient, content: bytes
) -> None:
    # Python's JSON parser accepts these; the error that echoes them must still be JSON.
    response = client.post("/tasks", content=content, headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["input"] in {"nan", "inf", "-inf"}


def test_title_of_maximum_length_is_accepted(client: TestClient) -> None:
    assert create(client, title="x" * TITLE_MAX_LENGTH)["title"] == "x" * TITLE_MAX_LENGTH


def test_get_returns_the_task(client: TestClient) -> None:
    task = create(client, title="Read me")

    response = client.get(f"/tasks/{task['id']}")

    assert response.status_code == 200
    assert response.json() == task


def test_get_unknown_task_is_not_found(client: TestClient) -> None:
    response = client.get("/tasks/12345")

    assert response.status_code == 404
    assert response.json() == {"detail": "task 12345 not found"}


@pytest.mark.parametrize(
    "task_id", ["0", "-1", str(2**63), "99999999999999999999999", "1.5", "abc"]
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_ids_that_cannot_exist_are_unprocessable(
    client: TestClient, method: str, task_id: str
) -> None:
    response = client.request(method, f"/tasks/{task_id}", json={"completed": True})

    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/tasks/", "/health/", "/tasks/1/"])
def test_a_trailing_slash_is_not_found_rather_than_redirected(
    client: TestClient, path: str
) -> None:
    assert client.get(path, follow_redirects=False).status_code == 404


def test_list_pages_in_id_order(client: TestClient) -> None:
    ids = [create(client, title=f"task {number}")["id"] for number in range(5)]

    first = client.get("/tasks", params={"limit": 2})
    rest = client.get("/tasks", params={"limit": 10, "offset": 2})

    assert [task["id"] for task in first.json()] == ids[:2]
    assert [task["id"] for task in rest.json()] == ids[2:]


def test_list_defaults_to_the_first_page(client: TestClient) -> None:
    create(client, title="only one")

    response = client.get("/tasks")

    assert response.status_code == 200
    assert [task["title"] for task in response.json()] == ["only one"]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "many"}, {"offset": -1}, {"offset": 2**63}],
)
def test_list_bounds_paging(client: TestClient, params: dict[str, Any]) -> None:
    assert client.get("/tasks", params=params).status_code == 422


def test_patch_changes_only_what_is_given(client: TestClient) -> None:
    task = create(client, title="Before")

    completed = client.patch(f"/tasks/{task['id']}", json={"completed": True})
    renamed = client.patch(f"/tasks/{task['id']}", json={"title": "After"})

    assert completed.status_code == 200
    assert completed.json() == {**task, "completed": True}
    assert renamed.json() == {**task, "completed": True, "title": "After"}


def test_patch_with_a_blank_title_is_a_bad_request(client: TestClient) -> None:
    task = create(client, title="Keep me")

    response = client.patch(f"/tasks/{task['id']}", json={"title": "  "})

    assert response.status_code == 400
    assert client.get(f"/tasks/{task['id']}").json()["title"] == "Keep me"


@pytest.mark.parametrize(
    "body", [{}, {"title": None}, {"completed": None}, {"completed": "no"}, {"extra": 1}]
)
def test_patch_with_a_malformed_body_is_unprocessable(
    client: TestClient, body: dict[str, Any]
) -> None:
    task = create(client, title="Unchanged")

    assert client.patch(f"/tasks/{task['id']}", json=body).status_code == 422


def test_patch_unknown_task_is_not_found(client: TestClient) -> None:
    assert client.patch("/tasks/7", json={"completed": True}).status_code == 404


def test_delete_removes_the_task(client: TestClient) -> None:
    task = create(client, title="Short-lived")

    deleted = client.delete(f"/tasks/{task['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get(f"/tasks/{task['id']}").status_code == 404
    assert client.delete(f"/tasks/{task['id']}").status_code == 404
