"""The service as unit tests run it: the real app, an in-memory repository, no database."""

from contextlib import nullcontext
from typing import Any

from fastapi import FastAPI

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.tasks.repository import TaskRepository, get_task_repository

from ..settings import settings_for_tests
from .fakes import FakeDatabase, InMemoryTaskRepository

# Nothing connects to this URL: the fake database opens no connection.
UNIT_SETTINGS = settings_for_tests(
    database_url="postgresql://unit-tests@localhost/none", run_migrations=False
)


def app_with(tasks: TaskRepository | None = None, **changes: Any) -> FastAPI:
    """The app on a fake database, with these repositories (else empty ones) and settings."""
    settings = UNIT_SETTINGS.model_copy(update=changes)
    app = create_app(settings, database=lambda _: nullcontext(FakeDatabase()))
    task_repository = tasks or InMemoryTaskRepository()
    app.dependency_overrides[get_task_repository] = lambda: task_repository
    return app


def app_on_a_lost_database() -> FastAPI:
    """The app with its real repository, on a database that is unavailable."""
    return create_app(UNIT_SETTINGS, database=lambda _: nullcontext(FakeDatabase(available=False)))
