"""Service benchmark: the service beside its peers, each run as its image runs it, loaded by wrk.

Five apps answer the same three requests, each run by the service's own start command and
Granian configuration, with its own PostgreSQL and pool size (bench/apps): the service;
the plainest FastAPI app with those routes, as a user writes it (no request log: what the
service is compared with) and again writing the service's request line; a bare ASGI app
over one asyncpg pool, the floor; and FastAPI over SQLAlchemy's async ORM, as the most
used FastAPI templates write it (these two write the request line too). `GET /health`
touches no database: its rate is what the framework and server manage on this machine.
`POST /tasks` inserts a row per request; `GET /tasks/{id}` reads tasks created
beforehand, at random.

The load is fixed: 64 connections from one wrk thread for 10 s, after a 3 s warm-up that
is not counted. One wrk thread because the machine may have only two cores, shared by wrk,
the app (one process, one event loop: at most one core) and PostgreSQL; one C thread is far
more than one Python process can answer, and a second would only take CPU from the other
two. 64 connections keep a pool of 10 connections busy with requests waiting, as a loaded
service is. Each endpoint is loaded on every app in turn, three rounds, each round in
another order, so that drift over the run hits every app alike. The first figure is the
CPU each request cost the app's processes (the median over the runs): it follows what else
the machine runs much less than the rate does; the run with the median rate is kept beside
it. Then the service's `/health` is loaded again while six clients keep trying to upload
50 MB bodies, which it refuses after 64 KiB: it must stay about as quick.

Last, what the request log and the metrics cost: `GET /tasks/{id}` on two more services
with the same history, one as configured by default and one with both switched off
(LOG_REQUESTS=false, SERVE_METRICS=false), loaded in turn the same way.
"""

import contextlib
import socket
import statistics
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from answers import normalised
from tooling.environment import COMMAND_TIMEOUT
from tooling.image import OtherApp, RunningService, fetch_json, run_like_the_image
from tooling.lock import installed_versions
from tooling.pythons import installed_pythons
from tooling.template import render

from . import wrk
from .process_cpu import cpu_seconds

LOAD = wrk.Load(connections=64, threads=1, seconds=10)
WARM_UP = wrk.Load(connections=64, threads=1, seconds=3)
RUNS_PER_ENDPOINT = 3
TASKS_TO_READ = 1_000
UPLOADERS = 6
UPLOAD_BYTES = 50 * 1024 * 1024
OBSERVABILITY_OFF = {"LOG_REQUESTS": "false", "SERVE_METRICS": "false"}
BENCH_APPS = Path(__file__).parent / "apps"
SQLALCHEMY = "sqlalchemy[asyncio]>=2.0"


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


# What an app has on, as the tables name it.
REQUEST_LINE = "request line and id"


@dataclass(frozen=True)
class Contender:
    """An app in the comparison: the service (`app` None), or one of bench/apps.

    `on` says what it does for each request beyond answering it, as the tables show it.
    """

    key: str
    label: str
    app: str | None = None
    requirements: tuple[str, ...] = ()
    on: tuple[str, ...] = (REQUEST_LINE,)

    @property
    def logs_requests(self) -> bool:
        """Whether it writes the service's request line (and echoes the request id)."""
        return REQUEST_LINE in self.on


SERVICE = Contender(
    "service",
    "the service",
    on=(REQUEST_LINE, "metrics", "concurrency and body limits", "dependencies", "response model"),
)
# What a user compares the service with: FastAPI as they would write it.
PLAIN_FASTAPI = Contender(
    "plain-fastapi", "plain FastAPI, no request log", "plain_fastapi:api", on=()
)
# The same app with the service's request line: what the line costs, apart from the design.
PLAIN_FASTAPI_LOGGING = Contender(
    "plain-fastapi-log", "plain FastAPI + request line", "plain_fastapi:app"
)
BARE_ASGI = Contender("bare-asgi", "bare ASGI + asyncpg", "bare_asgi:app")
SQLALCHEMY_FASTAPI = Contender(
    "sqlalchemy",
    "FastAPI + SQLAlchemy ORM",
    "sqlalchemy_fastapi:app",
    (SQLALCHEMY,),
    on=(REQUEST_LINE, "ORM session per request"),
)
CONTENDERS = (SERVICE, PLAIN_FASTAPI, PLAIN_FASTAPI_LOGGING, BARE_ASGI, SQLALCHEMY_FASTAPI)


@dataclass(frozen=True)
class CostedRuns:
    """Runs of one endpoint on one app, with the CPU microseconds each request cost it."""

    results: list[wrk.WrkResult] = field(default_factory=list)
    cpu_us_per_request: list[float] = field(default_factory=list)

    @property
    def median(self) -> wrk.WrkResult:
        """The run with the median rate."""
        return median_run(self.results)

    @property
    def median_cpu_us(self) -> float:
        """The median CPU cost of a request over the runs."""
        return statistics.median(self.cpu_us_per_request)

    @property
    def median_rate(self) -> float:
        """The median requests per second over the runs."""
        return statistics.median(self.rates)

    @property
    def rates(self) -> list[float]:
        """Each run's requests per second, in the order they ran."""
        return [result.requests_per_second for result in self.results]


@dataclass(frozen=True)
class Comparison:
    """One endpoint's runs on every app, by the contender's key."""

    endpoint: Endpoint
    runs: dict[str, CostedRuns]


@dataclass(frozen=True)
class ObservabilityCost:
    """`GET /tasks/{id}` with the request log and metrics on (the default) and off."""

    on: CostedRuns
    off: CostedRuns


@dataclass(frozen=True)
class ServiceResult:
    """The comparison, /health under uploads, what observing costs, and the versions used."""

    versions: dict[str, str]
    comparisons: list[Comparison]
    under_uploads: CostedRuns
    observability: ObservabilityCost


def median_run(results: list[wrk.WrkResult]) -> wrk.WrkResult:
    """The run with the median rate (the lower middle one of an even number)."""
    ordered = sorted(results, key=lambda result: result.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


def create_tasks_in_each(urls: list[str], count: int = TASKS_TO_READ) -> tuple[str, str]:
    """Create `count` tasks in each service; the first and last id, the same in all of them."""
    tasks = {create_tasks(url, count) for url in urls}
    if len(tasks) != 1:
        raise RuntimeError(f"the apps numbered their tasks differently: {tasks}")
    (first, last) = tasks.pop()
    return str(first), str(last)


def create_tasks(url: str, count: int) -> tuple[int, int]:
    """Create `count` tasks one after the other; return the first and last id."""
    ids = [
        int(str(fetch_json(f"{url}/tasks", {"title": f"Task {n}"}, status=201)["id"]))
        for n in range(count)
    ]
    # A fresh database numbers them consecutively, so wrk may draw any id in between.
    assert ids == list(range(ids[0], ids[0] + count)), "the ids are not consecutive"
    return ids[0], ids[-1]


def versions_in(venv: Path, distributions: list[str]) -> dict[str, str]:
    """The Python and these distributions' versions in an environment."""
    python = subprocess.run(
        [str(venv / "bin" / "python"), "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=COMMAND_TIMEOUT,
    ).stdout.split()[-1]
    installed = installed_versions(venv)
    return {"Python": python} | {name: installed[normalised(name)] for name in distributions}


def write_script(endpoint: Endpoint, workdir: Path) -> Path | None:
    """The endpoint's Lua script as a file for wrk, if it has one."""
    if endpoint.script is None:
        return None
    script = workdir / f"{endpoint.slug}.lua"
    script.write_text(endpoint.script, encoding="utf-8")
    return script


def load_in_turn(
    services: dict[str, RunningService],
    endpoint: Endpoint,
    workdir: Path,
    script_args: tuple[str, ...] = (),
    rounds: int = RUNS_PER_ENDPOINT,
) -> dict[str, CostedRuns]:
    """Warm each service up, then load them in turn, `rounds` rounds.

    Each round starts one service later than the one before (ABCD, BCDA, CDAB...), so that
    none always goes first. Every answer must be a 2xx.
    """
    script = write_script(endpoint, workdir)
    for service in services.values():
        wrk.run(service.url + endpoint.path, WARM_UP, script, *script_args)
    runs = {key: CostedRuns() for key in services}
    keys = list(services)
    for round_number in range(rounds):
        shift = round_number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            service = services[key]
            cpu_before = cpu_seconds(service.process.pid)
            result = wrk.run(service.url + endpoint.path, LOAD, script, *script_args)
            cpu = cpu_seconds(service.process.pid) - cpu_before
            if result.not_successful:
                msg = f"{endpoint.label} ({key}): {result.not_successful} answers were not 2xx"
                raise RuntimeError(msg)
            runs[key].results.append(result)
            runs[key].cpu_us_per_request.append(cpu / result.requests * 1e6)
    return runs


def measure_service(workdir: Path) -> ServiceResult:
    """Render the default project, run it and its peers like its image, and load them.

    The image's base is the newest supported Python; the newest one installed stands in.
    """
    project = render(workdir / "render")
    newest = installed_pythons()[-1]
    with ExitStack() as running:
        services = {
            contender.key: running.enter_context(
                run_like_the_image(
                    project, workdir / contender.key, newest, other_app=other_app(contender)
                )
            )
            for contender in CONTENDERS
        }
        # A pair of its own, with the same history: the compared service has served
        # thousands of POSTs by then, and a bigger table would weigh on one side only.
        on_and_off = {
            label: running.enter_context(
                run_like_the_image(project, workdir / f"observability-{label}", newest, settings)
            )
            for label, settings in (("on", {}), ("off", OBSERVABILITY_OFF))
        }
        service = services[SERVICE.key]
        versions = versions_in(service.venv, ["fastapi", "granian"])
        versions |= versions_in(services[SQLALCHEMY_FASTAPI.key].venv, ["sqlalchemy"])
        script_args = {
            READ: create_tasks_in_each([s.url for s in (*services.values(), *on_and_off.values())])
        }
        comparisons = [
            Comparison(
                endpoint,
                load_in_turn(services, endpoint, workdir, script_args.get(endpoint, ())),
            )
            for endpoint in ENDPOINTS
        ]
        with clients_sending_large_bodies(urlsplit(service.url).port or 80, UPLOADERS):
            under_uploads = load_in_turn({SERVICE.key: service}, HEALTH_UNDER_UPLOADS, workdir)
        observed = load_in_turn(on_and_off, READ, workdir, script_args[READ])
    return ServiceResult(
        versions,
        comparisons,
        under_uploads[SERVICE.key],
        ObservabilityCost(observed["on"], observed["off"]),
    )


def other_app(contender: Contender) -> OtherApp | None:
    """How to run a peer in the service's place; None for the service itself."""
    if contender.app is None:
        return None
    return OtherApp(contender.app, BENCH_APPS / "launch.py", contender.requirements)


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
