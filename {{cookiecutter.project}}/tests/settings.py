"""Settings as the tests build them: from the arguments and the environment only."""

from __future__ import annotations

from typing import Any

from {{ cookiecutter.__package }}.settings import Settings


def settings_for_tests(**values: Any) -> Settings:
    """The service's settings with these values, ignoring any `.env` file of the developer's."""
    return Settings(**values, _env_file=None)
