"""The server's workers never outlive its main process, and a worker that dies is replaced.

The service runs as its image runs it (tooling/image.py), with two workers, and its
processes are killed from outside as a crash or an OOM kill would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tooling.image import RunningService, run_like_the_image
from tooling.template import render

# How long a worker may take to notice its main process is gone, and a new one to start.
GRACE_SECONDS = 15


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    project = render(tmp_path / "render")
    with run_like_the_image(project, tmp_path / "run", settings={"WORKERS": "2"}) as running:
        workers = children_of(running.process.pid)
        try:
            yield running
        finally:
            for pid in workers + children_of(running.process.pid):
                kill(pid)  # whatever the test left: nothing may outlive it


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is `pid`, by /proc (a zombie has ended)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text(encoding="utf-8").rpartition(")")[2].split()[:2]
        except OSError:
            continue  # it ended meanwhile
        if int(parent) == pid and state != "Z":
            children.append(int(stat.parent.name))
    return children


def alive(pid: int) -> bool:
    """Whether a process with this id exists and has not ended (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


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
    workers = children_of(service.process.pid)
    assert len(workers) == 2, workers

    service.process.kill()
    service.process.wait(timeout=10)

    wait_for(lambda: not any(alive(pid) for pid in workers), "a worker still runs")
    assert not answers(f"{service.url}/health"), "something still serves on the port"


def test_a_killed_worker_is_replaced_and_the_others_keep_serving(
    service: RunningService,
) -> None:
    workers = children_of(service.process.pid)
    assert len(workers) == 2, workers

    kill(workers[0])

    def replaced() -> bool:
        now = children_of(service.process.pid)
        return len(now) == 2 and workers[0] not in now

    wait_for(replaced, f"worker {workers[0]} not replaced: {children_of(service.process.pid)}")
    assert service.process.poll() is None, "the main process stopped"
    wait_for(lambda: answers(f"{service.url}/health"), "/health does not answer")


def test_a_worker_that_keeps_dying_stops_the_server_non_zero(service: RunningService) -> None:
    workers = set(children_of(service.process.pid))
    kill(min(workers))
    wait_for(lambda: set(children_of(service.process.pid)) - workers, "the worker not replaced")

    (replacement,) = set(children_of(service.process.pid)) - workers
    kill(replacement)  # again at once: a crash loop

    wait_for(lambda: service.process.poll() is not None, "the main process still runs")
    assert service.process.returncode != 0
