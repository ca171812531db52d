"""FastAPI dependencies that hand the lifespan's database to routes.

They are coroutines on purpose: FastAPI runs a plain `def` dependency in a worker thread,
a hop through the thread pool on every request for what is an attribute lookup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .database import Database
from .repository import PostgresTaskRepository, TaskRepository


class LifespanNotRunError(RuntimeError):
    """The app serves a request without having run its lifespan, so it has no database."""

    def __init__(self) -> None:
        """Say how to start the app properly."""
        super().__init__(
            "the service has no database because its lifespan did not run: start it with "
            f"`python -m {__package__}`, or in tests use `with TestClient(app) as client:`"
        )


async def get_database(request: Request) -> Database:
    """Return the database the lifespan opened (see app.lifespan)."""
    try:
        database: Database = request.state.database
    except AttributeError:
        raise LifespanNotRunError from None
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_task_repository(database: DatabaseDep) -> TaskRepository:
    """Return the task repository routes use, on the database `get_database` gives.

    Tests override either dependency: this one, to replace the repository; `get_database`,
    to give it another database. FastAPI solves `get_database` once per request, however
    many dependencies ask for it.
    """
    return PostgresTaskRepository(database)


TaskRepositoryDep = Annotated[TaskRepository, Depends(get_task_repository)]
