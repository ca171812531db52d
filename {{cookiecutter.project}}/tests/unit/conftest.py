"""Unit-test fixtures: the app with its repository replaced by an in-memory fake."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.dependencies import get_task_repository

from .fakes import InMemoryTaskRepository


@pytest.fixture
def repository() -> InMemoryTaskRepository:
    return InMemoryTaskRepository()


@pytest.fixture
def app(repository: InMemoryTaskRepository) -> FastAPI:
    app = create_app()
    app.dependency_overrides[get_task_repository] = lambda: repository
    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # Outside `with TestClient(app)` the lifespan does not run, so no database is opened.
    return TestClient(app)
