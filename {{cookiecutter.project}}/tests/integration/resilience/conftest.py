"""Fixtures of the resilience scenarios, beside those of every integration test."""

from collections.abc import AsyncIterator

import pytest

from .proxy import DatabaseProxy, database_proxy


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[DatabaseProxy]:
    """A proxy between the app and the database, which the test can cut and restore."""
    async with database_proxy(database_url) as proxy:
        yield proxy
