"""What every suite shares: no setting of the developer's reaches a test."""

import os

import pytest

from {{ cookiecutter.__package }}.settings import Settings

from .settings import is_setting

# At import, before any suite's module builds its settings (tests/unit/service.py does): every
# service setting but DATABASE_URL leaves the environment, and Settings() reads no `.env`.
ISOLATION = pytest.MonkeyPatch()
for name in [name for name in os.environ if is_setting(name) and name.upper() != "DATABASE_URL"]:
    ISOLATION.delenv(name)
ISOLATION.setitem(Settings.model_config, "env_file", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the environment and `.env` back when the run ends."""
    ISOLATION.undo()
