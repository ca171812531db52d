"""Compare what a project's uv.lock pins with what an environment has installed."""

import json
import subprocess
import tomllib
from pathlib import Path

from answers import normalised

from .environment import COMMAND_TIMEOUT, tool


def locked_versions(project: Path) -> dict[str, str]:
    """Each package of the project's uv.lock with the version it pins."""
    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    return {normalised(package["name"]): package["version"] for package in lock["package"]}


def installed_versions(venv: Path) -> dict[str, str]:
    """Each distribution installed in a virtual environment with its version."""
    listed = subprocess.run(
        [tool("uv"), "pip", "list", "--format=json", f"--python={venv}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    return {
        normalised(package["name"]): package["version"] for package in json.loads(listed.stdout)
    }
