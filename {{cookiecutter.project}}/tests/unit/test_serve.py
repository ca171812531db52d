"""The start command runs Granian with the limits and timeouts the settings give."""

import os
import signal
from unittest.mock import Mock

import pytest
from granian.constants import HTTPModes

from {{ cookiecutter.__package }}.core import serve

from .service import UNIT_SETTINGS


@pytest.mark.parametrize("reload", [False, True])
def test_granian_serves_the_app_with_the_settings_limits(
    monkeypatch: pytest.MonkeyPatch, reload: bool
) -> None:
    monkeypatch.setattr(serve, "Granian", granian := Mock())

    settings = UNIT_SETTINGS.model_copy(update={"http_header_timeout": 2.5})
    serve.serve(settings, reload=reload)

    assert granian.call_args.args == ("{{ cookiecutter.__package }}.core.serve:worker_app",)
    options = granian.call_args.kwargs
    assert (options["factory"], options["respawn_failed_workers"]) == (True, True)
    assert (options["address"], options["port"], options["workers"]) == ("127.0.0.1", 8000, 1)
    assert options["http"] == HTTPModes.http1
    assert options["http1_settings"].header_read_timeout == 2500
    # A stopping worker has the time to finish its statement and close its pool.
    budget = settings.db_command_timeout + settings.db_pool_close_timeout
    assert options["workers_kill_timeout"] == serve.shutdown_seconds(settings) > budget
    assert options["reload"] is reload
    # Only the package's own source restarts it, not .nox/, .venv/ or the tests.
    assert options["reload_paths"] == [serve.SOURCE]
    assert serve.SOURCE.name == "{{ cookiecutter.__package }}"
    granian.return_value.serve.assert_called_once_with()


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
