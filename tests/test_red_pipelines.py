"""Every gate of the generated pipeline fails when it should, and nothing after it runs.

Each test breaks a fresh render the way a developer might, runs its bare `nox`, and
checks that the pipeline stops at the gate that guards against that breakage.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from .rendering import INSTALLED_PYTHONS, SUPPORTED_PYTHONS, NoxRun, render, run_nox

pytestmark = pytest.mark.pipeline

PACKAGE = "task_service"
FIRST_PYTHON = INSTALLED_PYTHONS[0]


def pipeline_order() -> list[str]:
    """The sessions a bare `nox` runs, in order."""
    return [
        "lint",
        *(f"unit-{version}" for version in SUPPORTED_PYTHONS),
        *(f"integration-{version}" for version in SUPPORTED_PYTHONS),
        "coverage",
    ]


def assert_stopped_at(run: NoxRun, failing: str) -> None:
    """The run failed at `failing`, everything before it passed, nothing after it ran."""
    assert run.returncode != 0, run.output
    assert f"Session {failing} failed" in run.output, run.output
    order = pipeline_order()
    before = order[: order.index(failing)]
    assert list(run.sessions) == [*before, failing], run.output
    assert run.sessions[failing] == "failed"
    for session in before:
        assert run.sessions[session] == expected_status(session), (session, run.output)


def expected_status(session: str) -> str:
    """A session that passes: skipped if its Python is not installed here, else success."""
    python = session.partition("-")[2]
    return "skipped" if python and python not in INSTALLED_PYTHONS else "success"


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def add_unused_import(project: Path) -> None:
    models = project / "src" / PACKAGE / "models.py"
    text = models.read_text(encoding="utf-8")
    models.write_text(text.replace("from datetime import", "import os\nfrom datetime import", 1))


def add_failing_unit_test(project: Path) -> None:
    append(
        project / "tests" / "unit" / "test_app.py",
        "\n\ndef test_arithmetic_is_broken() -> None:\n    assert 1 + 1 == 3\n",
    )


def add_integration_test_on_a_missing_table(project: Path) -> None:
    append(
        project / "tests" / "integration" / "test_tasks_api.py",
        "\n\nasync def test_reads_a_missing_table(connection: asyncpg.Connection) -> None:\n"
        '    await connection.fetch("SELECT * FROM no_such_table")\n',
    )


def delete_the_api_integration_tests(project: Path) -> None:
    """Keep only the migration tests: the suite passes, but the API goes untested."""
    for module in (project / "tests" / "integration").glob("test_*.py"):
        if module.name != "test_migrations.py":
            module.unlink()


@pytest.mark.parametrize(
    ("breakage", "failing"),
    [
        (add_unused_import, "lint"),
        (add_failing_unit_test, f"unit-{FIRST_PYTHON}"),
        (add_integration_test_on_a_missing_table, f"integration-{FIRST_PYTHON}"),
        (delete_the_api_integration_tests, "coverage"),
    ],
    ids=["lint", "unit", "integration", "coverage"],
)
def test_gate_stops_the_pipeline(
    tmp_path: Path, breakage: Callable[[Path], None], failing: str
) -> None:
    project = render(tmp_path)
    breakage(project)

    run = run_nox(project)

    assert_stopped_at(run, failing)
    if failing == "coverage":
        assert "Coverage failure: total of" in run.output
        assert "is less than fail-under=90" in run.output


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_unreachable_database_url_fails_integration_with_one_clear_line(tmp_path: Path) -> None:
    project = render(tmp_path)

    run = run_nox(project, database_url=f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres")

    assert_stopped_at(run, f"integration-{FIRST_PYTHON}")
    assert run.output.count("DATABASE_URL is set, but it cannot be reached") == 1
