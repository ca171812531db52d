"""The task resource: create, read, list, update and delete."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from ..core import openapi
from .errors import PROBLEM_DESCRIPTIONS
from .repository import TaskRepositoryDep
from .schemas import Task, TaskCreate, TaskUpdate

# Ids and OFFSET are PostgreSQL bigints.
MAX_TASK_ID = 2**63 - 1
MAX_OFFSET = 2**63 - 1
MAX_PAGE_SIZE = 100
CANONICAL_DECIMAL = re.compile(r"0|[1-9][0-9]*")


def _canonical_decimal(value: object) -> object:
    """Refuse numbers not in plain decimal: int() reads `01` or `+1`, a second URL for a task."""
    if isinstance(value, str) and not CANONICAL_DECIMAL.fullmatch(value):
        raise PydanticCustomError(
            "plain_decimal",
            "must be a whole number in plain decimal digits: no sign, leading zero or separator",
        )
    return value


# After the Path() or Query() in an Annotated, or FastAPI documents their bounds wrongly.
CANONICAL_DECIMAL_ONLY = BeforeValidator(_canonical_decimal)
TaskId = Annotated[
    int, Path(ge=1, le=MAX_TASK_ID, description="The task's id."), CANONICAL_DECIMAL_ONLY
]
FOLLOW_THE_CREATED_TASK = {
    name: {"operationId": operation, "parameters": {"task_id": "$response.body#/id"}}
    for name, operation in [
        ("GetTask", "get_task"),
        ("UpdateTask", "update_task"),
        ("DeleteTask", "delete_task"),
    ]
}
CREATED: openapi.Responses = {
    status.HTTP_201_CREATED: {
        "description": "The task, as stored",
        "headers": {"Location": {"description": "The task's URL", "schema": {"type": "string"}}},
        "links": FOLLOW_THE_CREATED_TASK,
    }
}


def problem_responses(*statuses: int) -> openapi.Responses:
    """The OpenAPI responses of these error statuses, the task routes' own described (errors.py)."""
    return openapi.problem_responses(*statuses, descriptions=PROBLEM_DESCRIPTIONS)


router = APIRouter(prefix="/tasks", tags=["tasks"], responses=problem_responses(422, 503))


def _not_found(task_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"task {task_id} not found")


@router.post(
    "",
    operation_id="create_task",
    status_code=status.HTTP_201_CREATED,
    responses=CREATED | problem_responses(400, 408, 413),
)
async def create_task(
    new_task: TaskCreate, repository: TaskRepositoryDep, response: Response
) -> Task:
    """Create a task; the response carries its id and its URL in `Location`."""
    task = await repository.create(new_task)
    response.headers["Location"] = f"/tasks/{task.id}"
    return task


@router.get("", operation_id="list_tasks")
async def list_tasks(
    repository: TaskRepositoryDep,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size."), CANONICAL_DECIMAL_ONLY
    ] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Tasks to skip."), CANONICAL_DECIMAL_ONLY
    ] = 0,
) -> list[Task]:
    """List tasks in id order, a page at a time."""
    return await repository.get_page(limit=limit, offset=offset)


@router.get("/{task_id}", operation_id="get_task", responses=problem_responses(404))
async def get_task(task_id: TaskId, repository: TaskRepositoryDep) -> Task:
    """Return one task."""
    task = await repository.get(task_id)
    if task is None:
        raise _not_found(task_id)
    return task


@router.patch(
    "/{task_id}", operation_id="update_task", responses=problem_responses(400, 404, 408, 413)
)
async def update_task(task_id: TaskId, changes: TaskUpdate, repository: TaskRepositoryDep) -> Task:
    """Change a task's title and/or completed flag."""
    task = await repository.update(task_id, changes)
    if task is None:
        raise _not_found(task_id)
    return task


@router.delete(
    "/{task_id}",
    operation_id="delete_task",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404),
)
async def delete_task(task_id: TaskId, repository: TaskRepositoryDep) -> None:
    """Delete a task."""
    if not await repository.delete(task_id):
        raise _not_found(task_id)
