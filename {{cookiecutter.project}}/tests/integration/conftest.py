"""Integration-test fixtures: a real PostgreSQL (tests/database.py) and the app running on it."""

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx2
import hypothesis
import pytest

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.settings import Settings

from ..database import connected
from ..database import pytest_configure as pytest_configure
from ..database import pytest_report_header as pytest_report_header
from ..settings import settings_for_tests
from .app_client import app_client, migrated_and_empty

# Every example is a real request: no deadline, as timings follow the machine's load.
hypothesis.settings.register_profile("integration", deadline=None, max_examples=100)
hypothesis.settings.register_profile("thorough", deadline=None, max_examples=2_000)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "integration"))


@pytest.fixture
def anyio_backend() -> str:
    """An event loop for each test: a test stopped by its time limit leaves the others whole."""
    return "asyncio"


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ["DATABASE_URL"]  # pytest_configure made sure there is one


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for_tests(database_url=database_url)


@pytest.fixture
async def connection(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test database, to look behind the API's back."""
    async with connected(database_url) as connection:
        yield connection


@pytest.fixture
async def empty_tables(database_url: str) -> None:
    """The migrations applied and every table empty; what the last test wrote stays to look at."""
    await migrated_and_empty(database_url)


@pytest.fixture
async def client(settings: Settings, empty_tables: None) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client for the app, with its lifespan (pool, migrations) running."""
    async with app_client(create_app(settings)) as client:
        yield client


@pytest.fixture
async def schema(database_url: str) -> AsyncIterator[str]:
    """A new, empty schema, dropped afterwards."""
    name = f"test_schema_{uuid.uuid4().hex}"
    async with connected(database_url) as admin:
        await admin.execute(f'CREATE SCHEMA "{name}"')
        yield name
        await admin.execute(f'DROP SCHEMA "{name}" CASCADE')
