"""The task resource: create, read, list, update and delete."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status

from ..core import openapi
from ..core.parameters import MAX_ID, PLAIN_DECIMAL_ONLY, PageOffset, PageSize
from .errors import PREFIX, PROBLEM_DESCRIPTIONS
from .repository import TaskRepositoryDep
from .schemas import Task, TaskCreate, TaskUpdate

TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="The task's id."), PLAIN_DECIMAL_ONLY]
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


router = APIRouter(prefix=PREFIX, tags=["tasks"], responses=problem_responses(422, 503))


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
    response.headers["Location"] = f"{PREFIX}/{task.id}"
    return task


@router.get("", operation_id="list_tasks")
async def list_tasks(
    repository: TaskRepositoryDep, limit: PageSize = 50, offset: PageOffset = 0
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
