"""Read a GitHub Actions workflow as the tests need it: jobs, pins and the nox calls."""

import itertools
import re
import shlex
import string
from pathlib import Path
from typing import Any

import yaml

MATRIX_VALUE = re.compile(r"\$\{\{\s*matrix\.(?P<key>[\w-]+)\s*\}\}")
# `uses: owner/repo@<full commit sha> # <tag>`, the only form the workflows may use.
PINNED_USES = re.compile(
    r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<tag>\S+)$"
)

Job = dict[str, Any]
LOCKED_NOX = ["uv", "run", "--locked", "--only-group=nox", "nox"]


def load(path: Path) -> dict[str, Any]:
    """Parse a workflow file."""
    workflow: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return workflow


def matrix_rows(job: Job) -> list[dict[str, str]]:
    """Every combination of the job's matrix, one dict per run; one empty dict without one."""
    matrix = job.get("strategy", {}).get("matrix", {})
    assert not {"include", "exclude"} & matrix.keys(), "expand include/exclude here first"
    return [
        dict(zip(matrix, map(str, values), strict=True))
        for values in itertools.product(*matrix.values())
    ]


def with_matrix(value: object, row: dict[str, str]) -> str:
    """The value with each `${{ matrix.<key> }}` replaced by that key's value in this run."""
    return MATRIX_VALUE.sub(lambda match: row[match["key"]], str(value))


def nox_session(run: str, env: dict[str, str]) -> str:
    """The session a `run:` line calls, e.g. `nox -s unit -p "$PYTHON"` is `unit-3.11`.

    Fails on anything but a plain nox session call.
    """
    argv = [string.Template(word).substitute(env) for word in shlex.split(run)]
    # The generated workflow runs the nox that uv.lock pins.
    argv = argv[len(LOCKED_NOX) - 1 :] if argv[: len(LOCKED_NOX)] == LOCKED_NOX else argv
    match argv:
        case ["nox", "-s", session]:
            return session
        case ["nox", "-s", session, "-p", python]:
            return f"{session}-{python}"
    raise AssertionError(f"run step is not a nox session call: {run!r}")


def nox_calls(workflow: dict[str, Any]) -> list[str]:
    """The nox sessions the workflow runs, job by job, with each job's matrix expanded."""
    calls = []
    for job in workflow["jobs"].values():
        for row in matrix_rows(job):
            for step in job["steps"]:
                if "run" in step:
                    env = {
                        name: with_matrix(value, row) for name, value in step.get("env", {}).items()
                    }
                    calls.append(nox_session(step["run"], env))
    return calls


def pins(path: Path) -> dict[str, tuple[str, str]]:
    """Each action the workflow uses with its (commit sha, tag); fails on an unpinned one."""
    found: dict[str, tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().removeprefix("- ").startswith("uses:"):
            match = PINNED_USES.match(line)
            assert match, f"not pinned to a full commit sha with its tag as a comment: {line}"
            pin = (match["sha"], match["tag"])
            assert found.setdefault(match["action"], pin) == pin, f"two pins: {match['action']}"
    return found


def steps_using(job: Job, action: str) -> list[dict[str, Any]]:
    """The job's steps that use an action (owner/repo), in order."""
    return [step for step in job["steps"] if step.get("uses", "").startswith(f"{action}@")]


def step_with_id(job: Job, step_id: str) -> dict[str, Any]:
    """The job's step with this `id`."""
    (step,) = (step for step in job["steps"] if step.get("id") == step_id)
    found: dict[str, Any] = step
    return found


def run_steps(job: Job) -> list[dict[str, Any]]:
    """The job's `run:` steps, in order."""
    return [step for step in job["steps"] if "run" in step]


def uses_anywhere(workflow: dict[str, Any], action: str) -> bool:
    """Whether any step of any job uses the action (owner/repo)."""
    return any(steps_using(job, action) for job in workflow["jobs"].values())
