"""The start command runs Granian with the limits and timeouts the settings give."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from typing import Any
from unittest.mock import Mock

import asyncpg
import pytest
from granian.constants import HTTPModes

from {{ cookiecutter.__package }}.core import serve

from .service import UNIT_SETTINGS


@pytest.mark.parametrize("reload", [False, True])
def test_granian_serves_the_app_with_the_settings_limits(
    monkeypatch: pytest.MonkeyPatch, reload: bool
) -> None:
    monkeypatch.setattr(serve, "Granian", granian := Mock())

    serve.serve(UNIT_SETTINGS.model_copy(update={"http_header_timeout": 2.5}), reload=reload)

    assert granian.call_args.args == ("{{ cookiecutter.__package }}.core.serve:worker_app",)
    options = granian.call_args.kwargs
    assert (options["factory"], options["respawn_failed_workers"]) == (True, True)
    assert options["http"] == HTTPModes.http1
    assert options["http1_settings"].header_read_timeout == 2500
    assert options["reload"] is reload
    # Only the package's own source restarts it, not .nox/, .venv/ or the tests.
    assert options["reload_paths"] == [serve.SOURCE]
    assert serve.SOURCE.name == "{{ cookiecutter.__package }}"
    granian.return_value.serve.assert_called_once_with()


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
    with pytest.raises(serve.StartupError) as refused:
        asyncio.run(serve.prepare_database(UNIT_SETTINGS, migrate=True))
    assert str(refused.value) == (
        f"cannot connect to the database at {UNIT_SETTINGS.database_address}: "
        "unsupported startup parameter: statement_timeout"
    )


def test_a_worker_stops_itself_once_its_main_process_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parents = iter([100, 100, 1])  # the main process runs, runs, is gone (adopted by init)
    signals: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "getppid", lambda: next(parents))
    monkeypatch.setattr(os, "kill", lambda pid, number: signals.append((pid, number)))
    monkeypatch.setattr(serve, "ORPHAN_CHECK_SECONDS", 0)
    serve.stop_when_orphaned(100)
    assert signals == [(os.getpid(), signal.SIGTERM)]


def test_a_bad_setting_stops_the_start_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/tasks")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "many")
    with pytest.raises(SystemExit) as stopped:
        serve.main([])
    assert str(stopped.value.code).startswith("error: invalid settings: DB_POOL_MAX_SIZE: ")


def test_a_busy_port_stops_the_start_in_one_line() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        host, port = other.getsockname()
        with pytest.raises(serve.StartupError, match="the address is already in use"):
            serve.check_ports(UNIT_SETTINGS.model_copy(update={"host": host, "port": port}))
