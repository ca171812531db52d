"""The developer's loop: one unit session, narrowed, run again on an unchanged project.

Three ways to run the same `-x -k title` selection of the unit tests, each timed `runs`
times after a warm-up in the same render: the project's `nox -s unit-<py>` as the README
says (its environment reused, `uv sync --locked` checking it), `nox -R` (reused, nothing
installed), and the floor: the pytest command that session logged, run directly in that
environment. What nox adds over the floor is the loop's overhead.
"""

import shlex
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tooling.environment import environment
from tooling.nox_runs import PIPELINE_TIMEOUT, commands_in_sessions, run_nox, venv_bin
from tooling.template import render

SELECTION = ("--", "-x", "-k", "title")


@dataclass(frozen=True)
class LoopResult:
    """The seconds of each run of each way, and the Python the session ran on."""

    python: str
    nox: list[float]
    no_install: list[float]
    floor: list[float]

    def median(self, way: str) -> float:
        """The median seconds of one way: `nox`, `no_install` or `floor`."""
        runs: list[float] = getattr(self, way)
        return statistics.median(runs)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command that must pass; return its wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=PIPELINE_TIMEOUT,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        msg = f"{shlex.join(command)} failed:\n{done.stdout}{done.stderr}"
        raise RuntimeError(msg)
    return seconds


def timed_nox(project: Path, *args: str) -> float:
    """The wall time of a nox run of the project that must pass."""
    started = time.perf_counter()
    run = run_nox(project, *args)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        msg = f"nox {' '.join(args)} failed:\n{run.output}"
        raise RuntimeError(msg)
    return seconds


def measure_loop(workdir: Path, python: str, runs: int) -> LoopResult:
    """Render once, warm the session up, then time the three ways `runs` times each, in turn."""
    project = render(workdir)
    session = f"unit-{python}"
    warm_up = run_nox(project, f"--session={session}", *SELECTION)
    if warm_up.returncode != 0:
        msg = f"the unit session failed:\n{warm_up.output}"
        raise RuntimeError(msg)
    [pytest_command] = [c for c in commands_in_sessions(warm_up.output) if c.startswith("pytest ")]
    floor_command = [str(venv_bin(project, session) / "pytest"), *shlex.split(pytest_command)[1:]]
    floor_env = environment(without={"DATABASE_URL"}, add={"COVERAGE_FILE": f".coverage.{session}"})
    result = LoopResult(python, [], [], [])
    for _ in range(runs):
        result.nox.append(timed_nox(project, f"--session={session}", *SELECTION))
        result.no_install.append(timed_nox(project, "-R", f"--session={session}", *SELECTION))
        result.floor.append(timed(floor_command, project, floor_env))
    return result
