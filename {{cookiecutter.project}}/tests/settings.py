"""Settings as the tests state them: never from a developer's `.env` or leftover variables.

`isolate_from_the_developers_settings()` takes the service's variables but DATABASE_URL
(the one setting a run takes from its environment) out of this process's environment and
stops Settings reading `.env`; `settings_for_tests` reads none either. A process a test
starts gets `service_environment()`: this one's environment without any variable the
service reads, plus what the test sets, and runs in `outside_the_project()`, a folder with
no `.env`, since the service reads `.env` from the folder it runs in.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.__package }}.settings import Settings


def setting_names() -> frozenset[str]:
    """Every environment variable the service reads, derived from the Settings model."""
    prefix = Settings.model_config.get("env_prefix", "")
    return frozenset(f"{prefix}{name}".upper() for name in Settings.model_fields)


def is_setting(variable: str) -> bool:
    """Whether the service reads this variable (pydantic-settings ignores case by default)."""
    return variable.upper() in setting_names()


def isolate_from_the_developers_settings() -> pytest.MonkeyPatch:
    """Drop every service setting but DATABASE_URL from this process's environment; no `.env`.

    Returns the patch, for the caller to undo when the run ends.
    """
    environment = pytest.MonkeyPatch()
    for name in [name for name in os.environ if is_setting(name)]:
        if name.upper() != "DATABASE_URL":
            environment.delenv(name)
    # Settings() built by the app itself (main.app, serve.main) reads no `.env` either.
    environment.setitem(Settings.model_config, "env_file", None)
    return environment


def settings_for_tests(**values: Any) -> Settings:
    """The service's settings with these values, ignoring any `.env` file of the developer's."""
    return Settings(**values, _env_file=None)


def service_environment(**settings: str) -> dict[str, str]:
    """An environment for a process of the service's: no setting but those given.

    COVERAGE_FILE is made absolute, so that a measured process writes its data where this
    one does, whichever folder it runs in.
    """
    environment = {name: value for name, value in os.environ.items() if not is_setting(name)}
    if coverage_file := environment.get("COVERAGE_FILE"):
        environment["COVERAGE_FILE"] = str(Path(coverage_file).absolute())
    return environment | settings


@cache
def outside_the_project() -> Path:
    """An empty folder, without `.env`, for the service's processes to run in."""
    folder = Path(tempfile.mkdtemp(prefix="service-cwd-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
