"""Checks of a render that run nothing of it: template syntax, parsing, ruff."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from .environment import COMMAND_TIMEOUT

LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#")


def files_of(project: Path) -> list[Path]:
    """Every file of the project, in order."""
    return sorted(path for path in project.rglob("*") if path.is_file())


def assert_no_template_syntax(project: Path) -> None:
    """No Jinja is left, in a file's name or its text."""
    for path in files_of(project):
        relative = path.relative_to(project)
        assert not LEFTOVER_JINJA.search(str(relative)), relative
        assert not LEFTOVER_JINJA.search(path.read_text(encoding="utf-8")), relative


def assert_every_file_parses(project: Path) -> None:
    """Every Python, TOML and YAML file parses."""
    for path in files_of(project):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            compile(text, str(path), "exec")
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(text))  # a file may hold several objects


def assert_ruff_clean(project: Path) -> None:
    """`ruff check` and `ruff format --check` pass, with the render's own settings."""
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
            timeout=COMMAND_TIMEOUT,
        )
        assert result.returncode == 0, result.stdout + result.stderr
