"""Environments for the commands the tests run, and the tools they run them with."""

import os
import sysconfig
from collections.abc import Iterable
from pathlib import Path

# Longer than any one command the tests or the bench wait for takes; a test's own limit is longer.
COMMAND_TIMEOUT = 600


def environment(
    *,
    without: Iterable[str] = (),
    without_prefixes: tuple[str, ...] = (),
    add: dict[str, str] | None = None,
) -> dict[str, str]:
    """This process's environment, less `without` and the `without_prefixes`, plus `add`."""
    removed = set(without)
    kept = {
        key: value
        for key, value in os.environ.items()
        if key not in removed and not key.startswith(without_prefixes)
    }
    return kept | (add or {})


def tool(name: str) -> str:
    """The path of a command-line tool installed with the template's test dependencies."""
    path = Path(sysconfig.get_path("scripts")) / name
    assert path.is_file(), f"{name} is missing: install the template's test dependency group"
    return str(path)
