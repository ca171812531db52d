"""Run a rendered project's nox as a developer would, and read what it did."""

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .environment import COMMAND_TIMEOUT, environment
from .pythons import installed_pythons
from .template import SUPPORTED_PYTHONS

# A pipeline that hangs is a failure, not a reason to wait for CI's global timeout.
PIPELINE_TIMEOUT = 900
TOTAL_COVERAGE = re.compile(r"^TOTAL\s.*?(?P<percent>\d+(?:\.\d+)?)%\s*$", re.MULTILINE)


@dataclass(frozen=True)
class NoxRun:
    """What a nox run printed, how each session it ran ended, in order, and how long it took."""

    returncode: int
    output: str
    sessions: dict[str, str]
    durations: dict[str, float]


def run_nox(
    project: Path,
    *args: str,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
) -> NoxRun:
    """Run the project's nox as a developer would on this machine.

    DATABASE_URL is passed on only when given, so that by default the tests start their
    embedded server. CI machines set `CI`, which makes nox fail on a missing interpreter;
    the template's tests check the pipeline on the interpreters this machine has (3.14
    may not be one), which the noxfile never downloads. PYTHONDONTWRITEBYTECODE, which
    some machines set and developers' seldom do, is left out: with it, each of the
    pipeline's many Python processes compiles every module it imports anew. `env` adds
    to (or replaces) the environment; `prefix` runs nox through another command.
    """
    added = {"DATABASE_URL": database_url} if database_url is not None else {}
    env = environment(without={"DATABASE_URL", "PYTHONDONTWRITEBYTECODE"}, add=added | (env or {}))
    report = project.parent / f"{project.name}-nox-report.json"
    report.unlink(missing_ok=True)
    completed = subprocess.run(
        [
            *prefix,
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
    "Tested on Python ",
)
# How a session installs: `uv sync` (by uv's full path) into its environment.
INSTALL_COMMAND = re.compile(r"^\S*\buv sync ")


def session_commands(output: str) -> list[tuple[str, str]]:
    """The commands a nox run logged, each with its session, in order, installs left out."""
    commands = []
    session = ""
    for line in output.splitlines():
        message = line.removeprefix("nox > ")
        if message.startswith("Running session "):
            session = message.removeprefix("Running session ").strip()
        if message == line or message.startswith(NOX_MESSAGES) or INSTALL_COMMAND.match(message):
            continue
        commands.append((session, message.strip()))
    return commands


def commands_in_sessions(output: str) -> list[str]:
    """The commands a nox run logged in its sessions, in order, installs left out."""
    return [command for _session, command in session_commands(output)]


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
        timeout=COMMAND_TIMEOUT,
    )
    assert listing.returncode == 0, listing.stdout + listing.stderr
    sessions: list[dict[str, Any]] = json.loads(listing.stdout)
    return sessions


def nox_sessions(project: Path, *args: str) -> list[str]:
    """The names of the sessions `nox --list --json` selects in the project."""
    return [session["session"] for session in nox_listing(project, *args)]


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
        "verdict",
    ]


def passing_result(session: str) -> str:
    """How nox reports a session that passes: skipped if its Python is not here, else success."""
    python = session.partition("-")[2]
    return "skipped" if python and python not in installed_pythons() else "success"


def green_sessions() -> dict[str, str]:
    """How each session of a bare `nox` ends, in order, when the pipeline is green here."""
    return {session: passing_result(session) for session in pipeline_order()}
