"""Start-up and migrate failures a user can cause say why in one line, without a traceback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from {{ cookiecutter.__package }}.core import migrate, serve
from {{ cookiecutter.__package }}.settings import Settings

from .service import UNIT_SETTINGS

# The database password, which no message may show.
MARKER = "not-to-be-shown"
# Where nothing is asked for: every connection attempt in these tests is faked.
SETTINGS = UNIT_SETTINGS.model_copy(
    update={"database_url": SecretStr(f"postgresql://tasks:{MARKER}@127.0.0.1:5999/tasks")}
)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another server listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def on_port(port: int) -> Settings:
    return UNIT_SETTINGS.model_copy(update={"host": "127.0.0.1", "port": port})


def test_a_busy_port_stops_the_start_in_one_line(busy_port: int) -> None:
    with pytest.raises(serve.StartupError) as refused:
        serve.check_ports(on_port(busy_port))

    assert str(refused.value) == (
        f"cannot listen on 127.0.0.1:{busy_port}: the address is already in use "
        "(another server runs there?): set PORT to a free port"
    )


def test_a_free_port_passes_the_check() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    serve.check_ports(on_port(port))
{%- if cookiecutter.include_metrics %}


def test_a_busy_metrics_port_stops_the_start_in_one_line(busy_port: int) -> None:
    # PORT 0: any free port, so that only METRICS_PORT can be refused.
    settings = on_port(0).model_copy(update={"metrics_port": busy_port})

    with pytest.raises(serve.StartupError) as refused:
        serve.check_ports(settings)

    assert str(refused.value) == (
        f"cannot listen on 127.0.0.1:{busy_port}: the address is already in use "
        "(another server runs there?): set METRICS_PORT to a free port"
    )


@pytest.mark.parametrize(
    ("settings", "problem"),
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
    monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], problem: str
) -> None:
    for name, setting in {"DATABASE_URL": "postgresql://db/tasks", "METRICS_PORT": "9000"}.items():
        monkeypatch.setenv(name, setting)
    for name, setting in settings.items():
        monkeypatch.setenv(name, setting)
    monkeypatch.setattr(serve, "check_output", lambda: None)

    with pytest.raises(SystemExit) as stopped:
        serve.main([])

    assert stopped.value.code == f"error: invalid settings: {problem}"
{%- endif %}


def test_an_address_not_on_this_machine_stops_the_start_in_one_line() -> None:
    settings = UNIT_SETTINGS.model_copy(update={"host": "192.0.2.1", "port": 8000})

    with pytest.raises(serve.StartupError, match=r"^cannot listen on 192\.0\.2\.1:8000: no net"):
        serve.check_ports(settings)


async def refuse(dsn: str, **options: Any) -> None:
    """Connect as asyncpg does to a loopback port nothing listens on."""
    raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5999)")


def exit_message(monkeypatch: pytest.MonkeyPatch, command: Any) -> str:
    """What a command printed as it exited, with SETTINGS read from the environment."""
    monkeypatch.setattr(serve, "read_settings", lambda: SETTINGS)
    monkeypatch.setattr(serve, "configure_logging", lambda settings: None)
    with pytest.raises(SystemExit) as stopped:
        command()
    return str(stopped.value.code)


def test_migrate_says_the_database_is_unreachable_as_the_start_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asyncpg, "connect", refuse)

    migrated = exit_message(monkeypatch, migrate.main)
    started = exit_message(monkeypatch, lambda: serve.main([]))

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

    with pytest.raises(serve.StartupError) as refused:
        asyncio.run(serve.prepare_database(SETTINGS, migrate=True))

    assert str(refused.value) == (
        f"cannot migrate the database at 127.0.0.1:5999: migration {first.file_name} failed: "
        'syntax error at or near "SELEC"'
    )
