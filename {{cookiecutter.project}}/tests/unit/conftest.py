"""Unit-test fixtures: the app with its repository replaced by an in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .fakes import InMemoryTaskRepository
from .service import app_with


@pytest.fixture
def repository() -> InMemoryTaskRepository:
    return InMemoryTaskRepository()


@pytest.fixture
def app(repository: InMemoryTaskRepository) -> FastAPI:
    return app_with(repository)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
