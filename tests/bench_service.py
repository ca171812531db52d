"""Service benchmark: the rendered service, run as its image runs it, loaded by wrk on loopback.

`GET /health` touches no database: its rate is what the framework and server manage on
this machine, the ceiling the database routes are measured against. `POST /tasks`
inserts a row per request; `GET /tasks/{id}` reads tasks created beforehand, at random.

The load is fixed: 64 connections from one wrk thread for 10 s, after a 3 s warm-up that
is not counted, three times per endpoint, keeping the run with the median rate. One wrk
thread because the machine may have only two cores, shared by wrk, the service (one
process, one event loop: at most one core) and PostgreSQL; one C thread is far more than
one Python process can answer, and a second would only take CPU from the other two.
64 connections keep the service's pool of 10 connections busy with requests waiting,
as a loaded service is. Then `/health` is loaded again while six clients keep trying to
upload 50 MB bodies, which the service refuses after 64 KiB: it must stay about as quick.

Last, what the request log and the metrics cost: `GET /tasks/{id}` on the service as
configured by default and on a second one with both switched off (LOG_REQUESTS=false,
SERVE_METRICS=false), each with its own PostgreSQL, loaded in turn, in the order ABBA
so that neither always goes first, with the CPU time each request cost the service.
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import wrk
from .image import RunningService, fetch_json, run_like_the_image
from .process_cpu import cpu_seconds
from .rendering import INSTALLED_PYTHONS, render

LOAD = wrk.Load(connections=64, threads=1, seconds=10)
WARM_UP = wrk.Load(connections=64, threads=1, seconds=3)
RUNS_PER_ENDPOINT = 3
TASKS_TO_READ = 1_000
UPLOADERS = 6
UPLOAD_BYTES = 50 * 1024 * 1024
OBSERVABILITY_OFF = {"LOG_REQUESTS": "false", "SERVE_METRICS": "false"}


@dataclass(frozen=True)
class Endpoint:
    """A request to measure: its label, the URL path wrk loads, the Lua script if any."""

    label: str
    slug: str
    path: str
    script: str | None = None


HEALTH = Endpoint("GET /health", "health", "/health")
# /health again, while clients try to upload 50 MB bodies (which get 413 after 64 KiB).
HEALTH_UNDER_UPLOADS = Endpoint(
    f"GET /health, {UPLOADERS} clients sending 50 MB bodies", "health-uploads", "/health"
)
CREATE = Endpoint("POST /tasks", "create", "/tasks", wrk.CREATE_TASK_SCRIPT)
# The script makes each request's path; wrk only needs the server's address.
READ = Endpoint("GET /tasks/{id}", "read", "/", wrk.READ_TASK_SCRIPT)
ENDPOINTS = (HEALTH, CREATE, READ)


@dataclass(frozen=True)
class EndpointResult:
    """The median run of one endpoint, and the rates of all its runs."""

    endpoint: Endpoint
    median: wrk.WrkResult
    rates: list[float]


@dataclass(frozen=True)
class CostedRuns:
    """Runs of one endpoint on one service, with the CPU microseconds each request cost it."""

    results: list[wrk.WrkResult]
    cpu_us_per_request: list[float]

    @property
    def median(self) -> wrk.WrkResult:
        """The run with the median rate."""
        return median_run(self.results)

    @property
    def median_cpu_us(self) -> float:
        """The median CPU cost of a request over the runs."""
        return statistics.median(self.cpu_us_per_request)


@dataclass(frozen=True)
class ObservabilityCost:
    """`GET /tasks/{id}` with the request log and metrics on (the default) and off."""

    on: CostedRuns
    off: CostedRuns


@dataclass(frozen=True)
class ServiceResult:
    """Every endpoint's result, what observing requests costs, and the service's Python."""

    python: str
    endpoints: list[EndpointResult]
    observability: ObservabilityCost


def median_run(results: list[wrk.WrkResult]) -> wrk.WrkResult:
    """The run with the median rate (the lower middle one of an even number)."""
    ordered = sorted(results, key=lambda result: result.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


def create_tasks(url: str, count: int) -> tuple[int, int]:
    """Create `count` tasks one after the other; return the first and last id."""
    ids = [
        int(str(fetch_json(f"{url}/tasks", {"title": f"Task {n}"}, status=201)["id"]))
        for n in range(count)
    ]
    # A fresh database numbers them consecutively, so wrk may draw any id in between.
    assert ids == list(range(ids[0], ids[0] + count)), "the ids are not consecutive"
    return ids[0], ids[-1]


def load_endpoint(
    url: str, endpoint: Endpoint, workdir: Path, script_args: tuple[str, ...] = ()
) -> EndpointResult:
    """Warm the endpoint up, then load it RUNS_PER_ENDPOINT times; every answer must be a 2xx."""
    script = None
    if endpoint.script is not None:
        script = workdir / f"{endpoint.slug}.lua"
        script.write_text(endpoint.script, encoding="utf-8")
    target = url + endpoint.path
    wrk.run(target, WARM_UP, script, *script_args)
    results = [wrk.run(target, LOAD, script, *script_args) for _ in range(RUNS_PER_ENDPOINT)]
    for result in results:
        if result.not_successful:
            msg = f"{endpoint.label}: {result.not_successful} answers were not 2xx or 3xx"
            raise RuntimeError(msg)
    rates = [result.requests_per_second for result in results]
    return EndpointResult(endpoint, median_run(results), rates)


def measure_service(workdir: Path) -> ServiceResult:
    """Render the default project, run it like its image, and load each endpoint in turn.

    The image's base is the newest supported Python; the newest one installed stands in.
    """
    project = render(workdir / "render")
    newest = INSTALLED_PYTHONS[-1]
    with (
        run_like_the_image(project, workdir / "service", newest) as service,
        run_like_the_image(project, workdir / "bare", newest, OBSERVABILITY_OFF) as bare,
    ):
        python = subprocess.run(
            [str(service.venv / "bin" / "python"), "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        first, last = create_tasks(service.url, TASKS_TO_READ)
        script_args = {READ: (str(first), str(last))}
        results = [
            load_endpoint(service.url, endpoint, workdir, script_args.get(endpoint, ()))
            for endpoint in ENDPOINTS
        ]
        with clients_sending_large_bodies(urlsplit(service.url).port or 80, UPLOADERS):
            results.append(load_endpoint(service.url, HEALTH_UNDER_UPLOADS, workdir))
        if create_tasks(bare.url, TASKS_TO_READ) != (first, last):
            raise RuntimeError("the second service numbered its tasks differently")
        observability = measure_observability(service, bare, workdir, (str(first), str(last)))
    return ServiceResult(python, results, observability)


def measure_observability(
    on: RunningService, off: RunningService, workdir: Path, script_args: tuple[str, ...]
) -> ObservabilityCost:
    """Load `GET /tasks/{id}` on both services in turn, ABBA, RUNS_PER_ENDPOINT times each."""
    script = workdir / "observability.lua"
    script.write_text(READ.script or "", encoding="utf-8")
    runs: dict[str, CostedRuns] = {"on": CostedRuns([], []), "off": CostedRuns([], [])}
    services = {"on": on, "off": off}
    for service in services.values():
        wrk.run(service.url + READ.path, WARM_UP, script, *script_args)
    for round_number in range(RUNS_PER_ENDPOINT):
        order = ["on", "off"] if round_number % 2 == 0 else ["off", "on"]
        for label in order:
            service = services[label]
            cpu_before = cpu_seconds(service.process.pid)
            result = wrk.run(service.url + READ.path, LOAD, script, *script_args)
            cpu = cpu_seconds(service.process.pid) - cpu_before
            if result.not_successful:
                msg = f"{READ.label} ({label}): {result.not_successful} answers were not 2xx"
                raise RuntimeError(msg)
            runs[label].results.append(result)
            runs[label].cpu_us_per_request.append(cpu / result.requests * 1e6)
    return ObservabilityCost(runs["on"], runs["off"])


@contextmanager
def clients_sending_large_bodies(port: int, clients: int) -> Iterator[None]:
    """Clients that POST 50 MB bodies in chunks, again and again, for the block's duration."""
    stop = threading.Event()

    def keep_uploading() -> None:
        chunk = f"{64 * 1024:x}\r\n".encode() + b"x" * 64 * 1024 + b"\r\n"
        head = b"POST /tasks HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n\r\n"
        while not stop.is_set():
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(head)
                for _ in range(UPLOAD_BYTES // len(chunk)):
                    s.sendall(chunk)  # fails once the server answers 413 and hangs up

    uploaders = [threading.Thread(target=keep_uploading) for _ in range(clients)]
    for uploader in uploaders:
        uploader.start()
    try:
        yield
    finally:
        stop.set()
        for uploader in uploaders:
            uploader.join()
