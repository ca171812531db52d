"""The server's workers never outlive its main process, and a worker that dies is replaced.

The service runs as its image runs it (tooling/image.py), with two workers, and its
processes are killed from outside as a crash or an OOM kill would.
"""

import contextlib
import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tooling.image import RunningService, run_like_the_image
from tooling.processes import alive, live_children
from tooling.template import render

# How long a worker may take to notice its main process is gone, and a new one to start.
GRACE_SECONDS = 15


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    project = render(tmp_path / "render")
    with run_like_the_image(project, tmp_path / "run", settings={"WORKERS": "2"}) as running:
        workers = live_children(running.process.pid)
        try:
            yield running
        finally:
            for pid in workers + live_children(running.process.pid):
                kill(pid)  # whatever the test left: nothing may outlive it


def kill(pid: int) -> None:
    """SIGKILL the process, if it still exists."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def answers(url: str) -> bool:
    """Whether the URL answers 200 within two seconds."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def wait_for(condition: object, what: str) -> None:
    """Return once `condition()` is true; fail, saying `what`, after GRACE_SECONDS."""
    assert callable(condition)
    deadline = time.monotonic() + GRACE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"after {GRACE_SECONDS} s: {what}"
        time.sleep(0.2)


def test_the_workers_stop_when_the_main_process_is_killed(service: RunningService) -> None:
    workers = live_children(service.process.pid)
    assert len(workers) == 2, workers

    service.process.kill()
    service.process.wait(timeout=10)

    wait_for(lambda: not any(alive(pid) for pid in workers), "a worker still runs")
    assert not answers(f"{service.url}/health"), "something still serves on the port"


def test_a_killed_worker_is_replaced_and_the_others_keep_serving(
    service: RunningService,
) -> None:
    workers = live_children(service.process.pid)
    assert len(workers) == 2, workers

    kill(workers[0])

    def replaced() -> bool:
        now = live_children(service.process.pid)
        return len(now) == 2 and workers[0] not in now

    wait_for(replaced, f"worker {workers[0]} not replaced: {live_children(service.process.pid)}")
    assert service.process.poll() is None, "the main process stopped"
    wait_for(lambda: answers(f"{service.url}/health"), "/health does not answer")


def test_a_worker_that_keeps_dying_stops_the_server_non_zero(service: RunningService) -> None:
    workers = set(live_children(service.process.pid))
    kill(min(workers))
    wait_for(lambda: set(live_children(service.process.pid)) - workers, "the worker not replaced")

    (replacement,) = set(live_children(service.process.pid)) - workers
    kill(replacement)  # again at once: a crash loop

    wait_for(lambda: service.process.poll() is not None, "the main process still runs")
    assert service.process.returncode != 0
