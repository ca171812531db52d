"""The start command (serve.py) refuses to start with one line, never a password.

Bad settings, a database that cannot be reached and migrations that fail each stop the
service before it serves: one line on stderr that names the database's host, exit status 1,
no traceback, and nowhere the password, whatever is wrong with DATABASE_URL.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio
import asyncpg
import pytest

from {{ cookiecutter.__package }}.core import serve
from {{ cookiecutter.__package }}.core.migrate import apply_migrations, load_migrations

from ..settings import outside_the_project, service_environment
from .running_service import free_port

MARKER = "Pa55-marker"
START_WITHIN = 60
CLOSED_PORT = free_port()


def start(
    folder: Path | None = None, *, close_stdout: bool = False, **settings: str
) -> subprocess.CompletedProcess[str]:
    """Run the start command with these settings alone (DATABASE_URL too).

    It runs in `folder`, or outside any `.env`; with `close_stdout`, without a standard
    output (descriptor 1 closed).
    """
    command = [sys.executable, "-m", "{{ cookiecutter.__package }}"]
    if close_stdout:  # the shell closes it, then becomes the command
        command = ["sh", "-c", 'exec "$@" >&-', "sh", *command]
    return subprocess.run(  # noqa: S603 (this Python running the package, maybe through sh)
        command,
        env=service_environment(**{"DB_CONNECT_TIMEOUT": "2"} | settings),
        cwd=folder or outside_the_project(),
        capture_output=True,
        text=True,
        timeout=START_WITHIN,
        check=False,
    )


def assert_refused_in_one_line(started: subprocess.CompletedProcess[str], reason: str) -> None:
    assert started.returncode == 1, f"{started.stdout}{started.stderr}"
    assert not started.stdout
    [line] = started.stderr.splitlines()
    assert line.startswith("error: "), line
    assert reason in line, line
    assert MARKER.lower() not in started.stderr.lower()


def refusal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, **settings: str
) -> str:
    """Run the start command's checks in this process; return what it printed and logged."""
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        serve.main([])
    message = str(stopped.value.code)
    assert message.startswith("error: "), message
    assert "\n" not in message
    return "\n".join([message, caplog.text])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"postgres+asyncpg://admin:{MARKER}@localhost/db", "must be a postgresql:// URL"),
        (f"postgresql://admin:{MARKER}/x@localhost/db", "percent-encode"),
        (f"postgresql://admin:{MARKER}?x@localhost/db", "percent-encode"),
        (f"postgresql://admin:{MARKER}#x@localhost/db", "percent-encode"),
        (f"postgresql://admin:{MARKER}@localhost:70000/db", "percent-encode"),
        (
            f"postgresql://admin:{MARKER}@127.0.0.1:{CLOSED_PORT}/db",
            f"cannot connect to the database at 127.0.0.1:{CLOSED_PORT}",
        ),
        (
            f"postgresql://admin:{MARKER}@no-such-host.invalid/db",
            "cannot connect to the database at no-such-host.invalid:5432",
        ),
        (
            f"postgresql://admin@127.0.0.1:{CLOSED_PORT}/db?password={MARKER}&sslmode=bogus",
            f"at 127.0.0.1:{CLOSED_PORT}",
        ),
    ],
    ids=[
        "wrong-scheme",
        "slash-in-password",
        "question-mark-in-password",
        "hash-in-password",
        "port-out-of-range",
        "nothing-listens",
        "unknown-host",
        "bad-option",
    ],
)
def test_a_bad_database_url_stops_it_without_showing_the_password(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, url: str, reason: str
) -> None:
    said = refusal(monkeypatch, caplog, DATABASE_URL=url)

    assert reason in said
    assert MARKER.lower() not in said.lower()


def test_a_bad_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert "DB_POOL_MAX_SIZE" in refusal(monkeypatch, caplog, DB_POOL_MAX_SIZE="many")


def test_the_command_says_it_in_one_line_without_a_traceback() -> None:
    assert_refused_in_one_line(start(), "DATABASE_URL: Field required")
    assert_refused_in_one_line(
        start(DATABASE_URL=f"postgresql://admin:{MARKER}@127.0.0.1:{CLOSED_PORT}/db"),
        f"cannot connect to the database at 127.0.0.1:{CLOSED_PORT}",
    )


def fifo(path: Path) -> None:
    os.mkfifo(path)


ODD_ENV_FILES: dict[str, tuple[Callable[[Path], object], str]] = {
    "not-utf-8": (lambda env: env.write_bytes(b"LOG_LEVEL=d\xe9bug\n"), ".env is not UTF-8 text"),
    "a-fifo": (fifo, ".env is not a regular file"),
    "a-folder": (Path.mkdir, ".env is not a regular file"),
}


@pytest.mark.parametrize(("make", "reason"), ODD_ENV_FILES.values(), ids=ODD_ENV_FILES)
def test_an_env_file_it_cannot_read_stops_it_in_one_line(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    make(tmp_path / ".env")

    assert_refused_in_one_line(start(tmp_path), reason)


def test_a_closed_standard_output_stops_it_in_one_line() -> None:
    assert_refused_in_one_line(start(close_stdout=True), "standard output is closed")


@pytest.fixture
async def edited_history(database_url: str, schema: str) -> str:
    """A schema whose migration history says the first file had other contents."""
    migrating = await asyncpg.connect(database_url, server_settings={"search_path": schema})
    await apply_migrations(migrating)
    await migrating.execute(
        "UPDATE schema_migrations SET checksum = 'edited' WHERE version = $1",
        load_migrations()[0].version,
    )
    await migrating.close()
    parts = urlsplit(database_url)
    query = urlencode([*parse_qsl(parts.query), ("search_path", schema)])
    return urlunsplit(parts._replace(query=query))


@pytest.mark.anyio
async def test_a_migration_that_cannot_apply_stops_it_in_one_line(edited_history: str) -> None:
    started = await anyio.to_thread.run_sync(functools.partial(start, DATABASE_URL=edited_history))

    assert_refused_in_one_line(started, "cannot migrate the database at")
    assert "changed after it was applied" in started.stderr
