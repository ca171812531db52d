"""The command line: a command whose checks fail stops in one line, before it runs."""

import asyncio
import socket
from typing import Any

import asyncpg
import pytest

from {{ cookiecutter.__package }}.core import cli

from ..settings import settings_for_tests
from .service import UNIT_SETTINGS


async def refuse_session_settings(dsn: str, **options: Any) -> None:
    """Connect as PgBouncer answers a client that asks for a session setting at startup."""
    if options.get("server_settings"):
        setting = next(iter(options["server_settings"]))
        msg = f"unsupported startup parameter: {setting}"
        raise asyncpg.exceptions.ProtocolViolationError(msg)


def test_a_pooler_refusing_the_pools_settings_stops_the_start_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asyncpg, "connect", refuse_session_settings)
    with pytest.raises(cli.StartupError) as refused:
        asyncio.run(cli.prepare_database(UNIT_SETTINGS, migrate=True))
    assert str(refused.value) == (
        f"cannot connect to the database at {UNIT_SETTINGS.database_address}: "
        "unsupported startup parameter: statement_timeout"
    )


def test_a_database_error_is_one_line_without_the_password() -> None:
    settings = settings_for_tests(database_url="postgresql://app:s%2Fcret@db/tasks")
    error = OSError("password s/cret\n  (or s%2Fcret) refused")
    error.add_note("connecting")
    assert cli.reason(error, settings) == "connecting: password *** (or ***) refused"


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"]])
def test_a_bad_setting_stops_either_command_in_one_line(
    monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/tasks")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "many")
    with pytest.raises(SystemExit) as stopped:
        cli.main(command)
    assert str(stopped.value.code).startswith("error: invalid settings: DB_POOL_MAX_SIZE: ")


def test_a_busy_port_stops_the_start_in_one_line() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        host, port = other.getsockname()
        with pytest.raises(cli.StartupError, match="the address is already in use"):
            cli.check_ports(UNIT_SETTINGS.model_copy(update={"host": host, "port": port}))
