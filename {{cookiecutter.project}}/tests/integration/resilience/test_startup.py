"""The start and migrate commands refuse to start with one line, never a password.

Bad settings, a taken port, a database that cannot be reached and migrations that fail each
stop the service before it serves: one line on stderr that names the database's host, exit
status 1, no traceback, and nowhere the password, whatever is wrong with DATABASE_URL.
"""

import asyncio
import functools
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio
import asyncpg
import pytest

from {{ cookiecutter.__package }}.core import cli, migrate
from {{ cookiecutter.__package }}.core.migrate import apply_migrations, load_migrations
from {{ cookiecutter.__package }}.settings import Settings

from ...settings import outside_the_project, service_environment, settings_for_tests
from ..running_service import free_port

MARKER = "Pa55-marker"
START_WITHIN = 60
CLOSED_PORT = free_port()
# Where nothing is asked for: the tests that use it fake every connection attempt.
SETTINGS = settings_for_tests(database_url=f"postgresql://tasks:{MARKER}@127.0.0.1:5999/tasks")


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
        cli.main([])
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


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another server listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def on_port(port: int) -> Settings:
    return SETTINGS.model_copy(update={"host": "127.0.0.1", "port": port})


def test_a_busy_port_stops_the_start_in_one_line(busy_port: int) -> None:
    with pytest.raises(cli.StartupError) as refused:
        cli.check_ports(on_port(busy_port))

    assert str(refused.value) == (
        f"cannot listen on 127.0.0.1:{busy_port}: the address is already in use "
        "(another server runs there?): set PORT to a free port"
    )


def test_a_free_port_passes_the_check() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    cli.check_ports(on_port(port))
{%- if cookiecutter.include_metrics %}


def test_a_busy_metrics_port_stops_the_start_in_one_line(busy_port: int) -> None:
    # PORT 0: any free port, so that only METRICS_PORT can be refused.
    settings = on_port(0).model_copy(update={"metrics_port": busy_port})

    with pytest.raises(cli.StartupError) as refused:
        cli.check_ports(settings)

    assert str(refused.value) == (
        f"cannot listen on 127.0.0.1:{busy_port}: the address is already in use "
        "(another server runs there?): set METRICS_PORT to a free port"
    )


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        ({"WORKERS": "2"}, "METRICS_PORT needs WORKERS=1: each worker would listen on it"),
        (
            {"PORT": "9000"},
            "METRICS_PORT must differ from PORT: unset it to serve /metrics on PORT",
        ),
        (
            {"SERVE_METRICS": "false"},
            "METRICS_PORT is set but SERVE_METRICS is off: unset one of them",
        ),
    ],
    ids=["more-workers", "same-port", "no-metrics"],
)
def test_a_metrics_port_that_cannot_work_stops_the_start_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], problem: str
) -> None:
    for name, setting in {"DATABASE_URL": "postgresql://db/tasks", "METRICS_PORT": "9000"}.items():
        monkeypatch.setenv(name, setting)
    for name, setting in variables.items():
        monkeypatch.setenv(name, setting)
    monkeypatch.setattr(cli, "check_output", lambda: None)

    with pytest.raises(SystemExit) as stopped:
        cli.main([])

    assert stopped.value.code == f"error: invalid settings: {problem}"
{%- endif %}


def test_an_address_not_on_this_machine_stops_the_start_in_one_line() -> None:
    settings = SETTINGS.model_copy(update={"host": "192.0.2.1", "port": 8000})

    with pytest.raises(cli.StartupError, match=r"^cannot listen on 192\.0\.2\.1:8000: no net"):
        cli.check_ports(settings)


async def connection_refused(dsn: str, **options: Any) -> None:
    """Connect as asyncpg does to a loopback port nothing listens on."""
    raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5999)")


def exit_message(monkeypatch: pytest.MonkeyPatch, command: Any) -> str:
    """What a command printed as it exited, with SETTINGS read from the environment."""
    monkeypatch.setattr(cli, "read_settings", lambda: SETTINGS)
    monkeypatch.setattr(cli, "configure_logging", lambda settings: None)
    with pytest.raises(SystemExit) as stopped:
        command()
    return str(stopped.value.code)


def test_migrate_says_the_database_is_unreachable_as_the_start_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asyncpg, "connect", connection_refused)

    migrated = exit_message(monkeypatch, lambda: cli.main(["migrate"]))
    started = exit_message(monkeypatch, lambda: cli.main([]))

    assert migrated == (
        "error: cannot connect to the database at 127.0.0.1:5999: "
        "[Errno 111] Connect call failed ('127.0.0.1', 5999)"
    )
    assert started == migrated
    assert MARKER not in migrated


class BrokenMigrationConnection:
    """A database with no history, on which the migrations' own SQL fails to parse."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def execute(self, sql: str, *args: object, **options: object) -> str:
        if sql.startswith("SELECT") or "schema_migrations" in sql:
            return "OK"
        raise asyncpg.PostgresSyntaxError('syntax error at or near "SELEC"')

    async def fetch(self, sql: str) -> list[dict[str, object]]:
        return []

    async def close(self) -> None:
        pass


async def connect_broken(dsn: str, **options: Any) -> BrokenMigrationConnection:
    return BrokenMigrationConnection()


def test_a_failing_migration_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asyncpg, "connect", connect_broken)
    first = migrate.load_migrations()[0]

    with pytest.raises(cli.StartupError) as refused:
        asyncio.run(cli.prepare_database(SETTINGS, migrate=True))

    assert str(refused.value) == (
        f"cannot migrate the database at 127.0.0.1:5999: migration {first.file_name} failed: "
        'syntax error at or near "SELEC"'
    )
