"""The task resource: create, read, list, update and delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from ..dependencies import TaskRepositoryDep
from ..errors import BAD_REQUEST_RESPONSE, NOT_FOUND_RESPONSE, UNAVAILABLE_RESPONSE
from ..models import Task, TaskCreate, TaskUpdate

# Ids are PostgreSQL bigints; anything outside that range cannot name a task.
MAX_TASK_ID = 2**63 - 1
MAX_PAGE_SIZE = 100

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=UNAVAILABLE_RESPONSE)

TaskId = Annotated[int, Path(ge=1, le=MAX_TASK_ID, description="The task's id.")]


def _not_found(task_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"task {task_id} not found")


@router.post("", status_code=status.HTTP_201_CREATED, responses=BAD_REQUEST_RESPONSE)
async def create_task(
    new_task: TaskCreate, repository: TaskRepositoryDep, response: Response
) -> Task:
    """Create a task; the response carries its id and its URL in `Location`."""
    task = await repository.create(new_task)
    response.headers["Location"] = f"/tasks/{task.id}"
    return task


@router.get("")
async def list_tasks(
    repository: TaskRepositoryDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_TASK_ID, description="Tasks to skip.")] = 0,
) -> list[Task]:
    """List tasks in id order, a page at a time."""
    return await repository.get_page(limit=limit, offset=offset)


@router.get("/{task_id}", responses=NOT_FOUND_RESPONSE)
async def get_task(task_id: TaskId, repository: TaskRepositoryDep) -> Task:
    """Return one task."""
    task = await repository.get(task_id)
    if task is None:
        raise _not_found(task_id)
    return task


@router.patch("/{task_id}", responses={**NOT_FOUND_RESPONSE, **BAD_REQUEST_RESPONSE})
async def update_task(task_id: TaskId, changes: TaskUpdate, repository: TaskRepositoryDep) -> Task:
    """Change a task's title and/or completed flag."""
    task = await repository.update(task_id, changes)
    if task is None:
        raise _not_found(task_id)
    return task


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND_RESPONSE)
async def delete_task(task_id: TaskId, repository: TaskRepositoryDep) -> None:
    """Delete a task."""
    if not await repository.delete(task_id):
        raise _not_found(task_id)
