"""Unit-test fixtures: the app with its repositories replaced by an in-memory fake."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .fakes import InMemoryTaskRepository
from .service import app_with


@pytest.fixture
def task_repository() -> InMemoryTaskRepository:
    return InMemoryTaskRepository()


@pytest.fixture
def app(task_repository: InMemoryTaskRepository) -> FastAPI:
    return app_with(tasks=task_repository)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
