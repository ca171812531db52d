"""Render the template and run what it generates: shared by the template's tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
DEFAULTS = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
SUPPORTED_PYTHONS = DEFAULTS["__supported_pythons"].split()

# A pipeline that hangs is a failure, not a reason to wait for CI's global timeout.
PIPELINE_TIMEOUT = 900
TOTAL_COVERAGE = re.compile(r"^TOTAL\s.*?(?P<percent>\d+(?:\.\d+)?)%\s*$", re.MULTILINE)


def render(output_dir: Path, **answers: str) -> Path:
    """Render the template with --no-input and the given answers; return the project."""
    project = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
        default_config=True,
    )
    return Path(project)


def cookiecutter_command(
    *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the cookiecutter command line (with `env` added); return its result."""
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", *arguments],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def render_cli(
    output_dir: Path, *, env: dict[str, str] | None = None, **answers: str
) -> subprocess.CompletedProcess[str]:
    """Render with the command line, as a user would, answers on it; return its result."""
    return cookiecutter_command(
        "--no-input",
        "--default-config",
        f"--output-dir={output_dir}",
        str(TEMPLATE),
        *(f"{key}={value}" for key, value in answers.items()),
        env=env,
    )


def python_is_installed(version: str) -> bool:
    """Whether `pythonX.Y` runs here (a pyenv shim without that version does not)."""
    try:
        probe = subprocess.run([f"python{version}", "-c", ""], capture_output=True, check=False)
    except FileNotFoundError:
        return False
    return probe.returncode == 0


INSTALLED_PYTHONS = [version for version in SUPPORTED_PYTHONS if python_is_installed(version)]


@dataclass(frozen=True)
class NoxRun:
    """What a nox run printed, how each session it ran ended, in order, and how long it took."""

    returncode: int
    output: str
    sessions: dict[str, str]
    durations: dict[str, float]


def run_nox(project: Path, *args: str, database_url: str | None = None) -> NoxRun:
    """Run the project's nox as a developer would on this machine.

    DATABASE_URL is passed on only when given, so that by default the tests start their
    embedded server. CI machines set `CI`, which makes nox fail on a missing interpreter;
    the template's tests check the pipeline on the interpreters this machine has (3.14
    may not be one), which the noxfile never downloads. PYTHONDONTWRITEBYTECODE, which
    some machines set and developers' seldom do, is left out: with it, each of the
    pipeline's many Python processes compiles every module it imports anew.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "PYTHONDONTWRITEBYTECODE"}
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    report = project.parent / f"{project.name}-nox-report.json"
    report.unlink(missing_ok=True)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "nox",
            "--no-error-on-missing-interpreters",
            f"--report={report}",
            *args,
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=PIPELINE_TIMEOUT,
        check=False,
    )
    ran = json.loads(report.read_text(encoding="utf-8"))["sessions"] if report.exists() else []
    return NoxRun(
        returncode=completed.returncode,
        output=completed.stdout,
        sessions={session["signatures"][0]: session["result"] for session in ran},
        durations={session["signatures"][0]: session["duration"] for session in ran},
    )


# What nox and the noxfile say about their work, as opposed to the commands sessions run.
NOX_MESSAGES = (
    "Running session ",
    "Creating virtual environment ",
    "Combining the coverage data of ",
    "Session ",
    "Missing interpreters ",
    "Ran ",
    "* ",
)
# How a session installs: `uv sync` (by uv's full path) into its environment.
INSTALL_COMMAND = re.compile(r"^\S*\buv sync ")


def commands_in_sessions(output: str) -> list[str]:
    """The commands a nox run logged in its sessions, in order, installs left out."""
    commands = []
    for line in output.splitlines():
        message = line.removeprefix("nox > ")
        if message == line or message.startswith(NOX_MESSAGES) or INSTALL_COMMAND.match(message):
            continue
        commands.append(message.strip())
    return commands


def venv_bin(project: Path, session: str) -> Path:
    """The bin folder of a session's environment: nox names it after the session, `.` as `-`."""
    return project / ".nox" / session.replace(".", "-") / "bin"


def nox_listing(project: Path, *args: str) -> list[dict[str, Any]]:
    """What `nox --list --json` says of the sessions it selects: the defaults without args."""
    listing = subprocess.run(
        [sys.executable, "-m", "nox", "--list", "--json", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listing.returncode == 0, listing.stdout + listing.stderr
    sessions: list[dict[str, Any]] = json.loads(listing.stdout)
    return sessions


def nox_sessions(project: Path, *args: str) -> list[str]:
    """The names of the sessions `nox --list --json` selects in the project."""
    return [session["session"] for session in nox_listing(project, *args)]


def tool(name: str) -> str:
    """The path of a command-line tool installed with the template's test dependencies."""
    path = Path(sysconfig.get_path("scripts")) / name
    assert path.is_file(), f"{name} is missing: install the template's test dependency group"
    return str(path)


def total_coverage(output: str) -> float:
    """The TOTAL percentage of the last coverage report in the output."""
    matches = TOTAL_COVERAGE.findall(output)
    assert matches, "no coverage report in the output"
    return float(matches[-1])


def pipeline_order(python_min: str = SUPPORTED_PYTHONS[0]) -> list[str]:
    """The sessions a bare `nox` runs, in order, in a project rendered with this python_min."""
    matrix = SUPPORTED_PYTHONS[SUPPORTED_PYTHONS.index(python_min) :]
    return [
        "lint",
        *(f"unit-{version}" for version in matrix),
        *(f"integration-{version}" for version in matrix),
        "coverage",
    ]


def expected_status(session: str) -> str:
    """A session that passes: skipped if its Python is not installed here, else success."""
    python = session.partition("-")[2]
    return "skipped" if python and python not in INSTALLED_PYTHONS else "success"


def green_sessions() -> dict[str, str]:
    """How each session of a bare `nox` ends, in order, when the pipeline is green here."""
    return {session: expected_status(session) for session in pipeline_order()}
