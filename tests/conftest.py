"""Suite-wide ordering: end-to-end pipelines first, so parallel workers finish together."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the minute-long pipeline tests before the second-long render checks."""
    items.sort(key=lambda item: item.get_closest_marker("pipeline") is None)
