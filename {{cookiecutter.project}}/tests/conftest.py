"""What every suite shares: no setting of the developer's reaches a test."""

from __future__ import annotations

import pytest

from .settings import isolate_from_the_developers_settings

# At import, before any suite's module builds its settings (tests/unit/service.py does).
ISOLATION = isolate_from_the_developers_settings()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the environment and `.env` back when the run ends."""
    ISOLATION.undo()
