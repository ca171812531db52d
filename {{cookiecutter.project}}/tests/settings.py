"""Settings as the tests state them: never from a developer's `.env` or leftover variables."""

import atexit
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from {{ cookiecutter.__package }}.settings import Settings


def is_setting(variable: str) -> bool:
    """Whether the service reads this variable (pydantic-settings ignores case by default)."""
    prefix = Settings.model_config.get("env_prefix", "")
    return variable.upper() in {f"{prefix}{name}".upper() for name in Settings.model_fields}


def settings_for_tests(**values: Any) -> Settings:
    """The service's settings with these values, ignoring any `.env` file of the developer's."""
    return Settings(**values, _env_file=None)


def service_environment(**settings: str) -> dict[str, str]:
    """An environment for a process of the service's: no setting but those given."""
    environment = {name: value for name, value in os.environ.items() if not is_setting(name)}
    # A measured process writes its coverage data here, whichever folder it runs in.
    if coverage_file := environment.get("COVERAGE_FILE"):
        environment["COVERAGE_FILE"] = str(Path(coverage_file).absolute())
    return environment | settings


@cache
def outside_the_project() -> Path:
    """An empty folder, without `.env`, for the service's processes to run in (it reads `.env`)."""
    folder = Path(tempfile.mkdtemp(prefix="service-cwd-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
