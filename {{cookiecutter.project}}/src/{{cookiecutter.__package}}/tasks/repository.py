"""Where tasks are kept: the interface routes depend on, and its PostgreSQL implementation."""

from typing import Annotated, Protocol

import asyncpg
from fastapi import Depends, Request

from ..core.database import Database, request_database
from .schemas import Task, TaskCreate, TaskUpdate

INSERT_TASK = """
INSERT INTO tasks (title, completed) VALUES ($1, $2)
RETURNING id, title, completed, created_at
"""
SELECT_TASK = "SELECT id, title, completed, created_at FROM tasks WHERE id = $1"
SELECT_PAGE = """
SELECT id, title, completed, created_at FROM tasks ORDER BY id LIMIT $1 OFFSET $2
"""
UPDATE_TASK = """
UPDATE tasks SET title = COALESCE($2, title), completed = COALESCE($3, completed)
WHERE id = $1
RETURNING id, title, completed, created_at
"""
DELETE_TASK = "DELETE FROM tasks WHERE id = $1 RETURNING id"


class TaskRepository(Protocol):
    """Stores and finds tasks. Unit tests replace it with an in-memory fake."""

    async def create(self, new_task: TaskCreate) -> Task:
        """Store a new task and return it with its assigned id."""
        ...

    async def get(self, task_id: int) -> Task | None:
        """Return the task, or None if there is none with that id."""
        ...

    async def get_page(self, *, limit: int, offset: int) -> list[Task]:
        """Return up to `limit` tasks in id order, skipping the first `offset`."""
        ...

    async def update(self, task_id: int, changes: TaskUpdate) -> Task | None:
        """Apply the given changes and return the task, or None if there is none."""
        ...

    async def delete(self, task_id: int) -> bool:
        """Delete the task; return whether it existed."""
        ...


def _task(row: asyncpg.Record) -> Task:
    return Task.model_validate(dict(row))


class PostgresTaskRepository:
    """Tasks in the `tasks` table, through parameterised SQL only."""

    def __init__(self, database: Database) -> None:
        """Use connections from the given database."""
        self.database = database

    async def create(self, new_task: TaskCreate) -> Task:
        """Store a new task and return it with its assigned id."""
        async with self.database.connection() as connection:
            rows = await connection.fetch(INSERT_TASK, new_task.title, new_task.completed)
        return _task(rows[0])

    async def get(self, task_id: int) -> Task | None:
        """Return the task, or None if there is none with that id."""
        async with self.database.connection() as connection:
            row = await connection.fetchrow(SELECT_TASK, task_id)
        return None if row is None else _task(row)

    async def get_page(self, *, limit: int, offset: int) -> list[Task]:
        """Return up to `limit` tasks in id order, skipping the first `offset`."""
        async with self.database.connection() as connection:
            rows = await connection.fetch(SELECT_PAGE, limit, offset)
        return [_task(row) for row in rows]

    async def update(self, task_id: int, changes: TaskUpdate) -> Task | None:
        """Apply the given changes and return the task, or None if there is none."""
        async with self.database.connection() as connection:
            row = await connection.fetchrow(UPDATE_TASK, task_id, changes.title, changes.completed)
        return None if row is None else _task(row)

    async def delete(self, task_id: int) -> bool:
        """Delete the task; return whether it existed."""
        async with self.database.connection() as connection:
            deleted_id = await connection.fetchval(DELETE_TASK, task_id)
        return deleted_id is not None


async def get_task_repository(request: Request) -> TaskRepository:
    """The task repository routes use, on the lifespan's database; tests may override it."""
    return PostgresTaskRepository(request_database(request))


TaskRepositoryDep = Annotated[TaskRepository, Depends(get_task_repository)]
