"""FastAPI dependencies that hand the lifespan's database to routes."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from .database import Database
from .repository import PostgresTaskRepository, TaskRepository


def get_database(request: Request) -> Database:
    """Return the database the lifespan opened (see app.lifespan)."""
    return cast("Database", request.state.database)


def get_task_repository(database: Annotated[Database, Depends(get_database)]) -> TaskRepository:
    """Return the task repository routes use; tests override this dependency."""
    return PostgresTaskRepository(database)


DatabaseDep = Annotated[Database, Depends(get_database)]
TaskRepositoryDep = Annotated[TaskRepository, Depends(get_task_repository)]
