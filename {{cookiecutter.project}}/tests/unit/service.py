"""The service as unit tests run it: the real app, an in-memory repository, no database."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.settings import Settings
from {{ cookiecutter.__package }}.tasks.repository import get_task_repository

from ..settings import settings_for_tests
from .fakes import InMemoryTaskRepository, open_fake_database

# Nothing connects to this URL: the fake database opens no connection.
UNIT_SETTINGS = settings_for_tests(
    database_url="postgresql://unit-tests@localhost/none", run_migrations=False
)


def app_with_fakes(
    repository: InMemoryTaskRepository, settings: Settings = UNIT_SETTINGS
) -> FastAPI:
    """The app with its lifespan on a fake database and its repository replaced."""
    app = create_app(settings, database=open_fake_database)
    app.dependency_overrides[get_task_repository] = lambda: repository
    return app


def app_with(**changes: Any) -> FastAPI:
    """The app with fakes, an empty repository and these settings changed."""
    return app_with_fakes(InMemoryTaskRepository(), UNIT_SETTINGS.model_copy(update=changes))
