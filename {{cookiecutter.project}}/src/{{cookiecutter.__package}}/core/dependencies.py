"""The FastAPI dependency that hands the lifespan's database to routes.

A coroutine on purpose: FastAPI runs a plain `def` dependency in a worker thread.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .database import Database


class LifespanNotRunError(RuntimeError):
    """The app serves a request without having run its lifespan, so it has no database."""

    def __init__(self) -> None:
        """Say how to start the app properly."""
        super().__init__(
            "the service has no database because its lifespan did not run: start it with "
            "`python -m {{ cookiecutter.__package }}`, or in tests use "
            "`with TestClient(app) as client:`"
        )


async def get_database(request: Request) -> Database:
    """Return the database the lifespan opened (see app.lifespan)."""
    try:
        database: Database = request.state.database
    except AttributeError:
        raise LifespanNotRunError from None
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
