"""The benchmark's own logic: reading wrk, choosing runs, the floor's commands, the tables."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench import report, wrk
from bench.ab import A, AbResult, B, render_from
from bench.loop import LoopResult
from bench.pipeline import PipelineResult, Timing, floor_steps, own_python, session_phase
from bench.process_cpu import cpu_seconds
from bench.service import (
    BARE_ASGI,
    CONTENDERS,
    CREATE,
    HEALTH,
    PLAIN_FASTAPI,
    PLAIN_FASTAPI_LOGGING,
    READ,
    SERVICE,
    SQLALCHEMY_FASTAPI,
    Comparison,
    Contender,
    CostedRuns,
    ObservabilityCost,
    ServiceResult,
    median_run,
    other_app,
)
from tooling.image import fetch_json, run_like_the_image
from tooling.nox_runs import NoxRun, commands_in_sessions
from tooling.template import TEMPLATE, render

REPORT = """\
Running 10s test @ http://127.0.0.1:8000/health
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    14.78ms    5.12ms 122.50ms   90.00%
    Req/Sec     4.40k   300.00     4.80k    80.00%
  Latency Distribution
     50%  850.00us
     75%   16.00ms
     90%   18.00ms
     99%    1.25s
  44021 requests in 10.00s, 5.90MB read
Requests/sec:   4401.87
Transfer/sec:    604.12KB
"""
FAILURES = """\
  44021 requests in 10.00s, 5.90MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 12
Requests/sec:   4401.87
"""


def test_wrk_report_gives_rate_percentiles_in_milliseconds_and_no_failures() -> None:
    result = wrk.parse(REPORT)

    assert result == wrk.WrkResult(
        requests=44021,
        requests_per_second=4401.87,
        p50_ms=0.85,
        p99_ms=1250.0,
        not_successful=0,
        socket_errors=0,
    )


def test_wrk_report_counts_answers_that_failed_and_socket_errors() -> None:
    head, _rate, _rest = REPORT.partition("  44021 requests")
    result = wrk.parse(head + FAILURES)

    assert (result.not_successful, result.socket_errors) == (12, 5)


@pytest.mark.parametrize(
    "output",
    ["", "unable to connect to 127.0.0.1:8000 Connection refused", REPORT.replace("99%", "98%")],
    ids=["empty", "refused", "no-p99"],
)
def test_anything_but_a_latency_report_is_refused(output: str) -> None:
    with pytest.raises(ValueError, match="wrk --latency"):
        wrk.parse(output)


def test_wrk_command_puts_the_fixed_load_and_passes_script_arguments_after_a_separator() -> None:
    load = wrk.Load(connections=64, threads=1, seconds=10)

    command = wrk.wrk_command("http://127.0.0.1:1/", load, Path("read.lua"), "1", "1000")

    assert command == [
        "wrk",
        "--latency",
        "--connections=64",
        "--threads=1",
        "--duration=10s",
        "--script=read.lua",
        "http://127.0.0.1:1/",
        "--",
        "1",
        "1000",
    ]


def result_at(rate: float) -> wrk.WrkResult:
    return wrk.WrkResult(1, rate, p50_ms=1.0, p99_ms=2.0, not_successful=0, socket_errors=0)


@pytest.mark.parametrize(
    ("rates", "median"), [([3.0, 1.0, 2.0], 2.0), ([4.0, 1.0, 3.0, 2.0], 2.0), ([5.0], 5.0)]
)
def test_median_run_is_the_middle_rate_or_the_lower_middle_one(
    rates: list[float], median: float
) -> None:
    assert median_run([result_at(rate) for rate in rates]).requests_per_second == median


NOX_LOG = "\n".join(
    [
        "nox > Running session lint",
        "nox > Creating virtual environment (uv) using python3 in .nox/lint",
        "nox > /home/me/.local/bin/uv sync --locked --no-default-groups --group=dev",
        "nox > ruff check .",
        "nox > mypy ",  # as nox logs a command without arguments
        "All checks passed!",
        "nox > Session lint was successful in 8 seconds.",
        "nox > Running session unit-3.11",
        "nox > pytest --cov --junitxml=test-results/unit-3.11.xml tests/unit",
        "nox > Running session unit-3.14",
        "nox > Missing interpreters will error by default on CI systems.",
        "nox > Session unit-3.14 skipped: Python interpreter 3.14 not found.",
        "nox > Running session integration-3.11",
        "nox > pytest --cov --junitxml=test-results/it-3.11.xml tests/integration",
        "nox > Running session coverage",
        "nox > Combining the coverage data of integration-3.11, unit-3.11",
        "nox > coverage combine",
        "nox > Ran 4 sessions in 9 seconds:",
        "nox > * lint: success, took 8 seconds",
    ]
)


def test_floor_runs_what_nox_logged_each_suite_with_its_sessions_python_and_data() -> None:
    run = NoxRun(returncode=0, output=NOX_LOG, sessions={}, durations={})

    steps = floor_steps(run)

    assert [(step.phase, step.python, step.command, dict(step.env)) for step in steps] == [
        ("lint", own_python(), ("ruff", "check", "."), {}),
        ("lint", own_python(), ("mypy",), {}),
        (
            "unit",
            "3.11",
            ("pytest", "--cov", "--junitxml=test-results/unit-3.11.xml", "tests/unit"),
            {"COVERAGE_FILE": ".coverage.unit-3.11"},
        ),
        (
            "integration",
            "3.11",
            ("pytest", "--cov", "--junitxml=test-results/it-3.11.xml", "tests/integration"),
            {"COVERAGE_FILE": ".coverage.integration-3.11"},
        ),
        ("coverage", own_python(), ("coverage", "combine"), {}),
    ]


def test_commands_in_sessions_are_what_nox_logged_but_its_own_messages_and_installs() -> None:
    assert commands_in_sessions(NOX_LOG) == [
        "ruff check .",
        "mypy",
        "pytest --cov --junitxml=test-results/unit-3.11.xml tests/unit",
        "pytest --cov --junitxml=test-results/it-3.11.xml tests/integration",
        "coverage combine",
    ]


@pytest.mark.parametrize(
    ("session", "phase"),
    [("lint", "lint"), ("unit-3.12", "unit"), ("integration-3.14", "integration")],
)
def test_a_session_belongs_to_the_phase_its_name_starts_with(session: str, phase: str) -> None:
    assert session_phase(session) == phase


def timing(seconds: float) -> Timing:
    return Timing(
        seconds, {"lint": 1.0, "unit": 2.0, "integration": seconds - 4.5, "coverage": 1.0}
    )


def test_pipeline_table_gives_the_ratio_of_the_medians_and_whether_it_meets_the_target() -> None:
    result = PipelineResult(
        pythons=["3.11", "3.12"],
        nox=[timing(70.0), timing(60.0), timing(80.0)],
        floor=[timing(50.0), timing(51.0), timing(49.0)],
    )

    table = report.pipeline_tables(result)

    assert "| `nox` | 70.0 s | 70.0, 60.0, 80.0 | +20.0 s | nox/floor 1.40x | <= 1.5x: met |" in (
        table
    )
    assert "| integration | 45.5 | 65.5 |" in table
    assert "| nox outside sessions | | 0.5 |" in table


def test_loop_table_gives_each_ways_overhead_and_judges_reuse_against_no_install() -> None:
    result = LoopResult(
        python="3.11", nox=[6.0, 5.0, 7.0], no_install=[4.0, 4.5, 3.5], floor=[2.8, 3.0, 2.9]
    )

    table = report.loop_table(result)

    assert "| `nox -R` (nothing installed) | 4.0 s | 4.0, 4.5, 3.5 | +1.1 s |  |  |" in table
    assert "| 6.0 s | 6.0, 5.0, 7.0 | +3.1 s | nox/-R 1.50x | <= 1.25x: missed |" in table


def runs_at(rate: float, p99_ms: float = 2.0, cpu_us: float | None = None) -> CostedRuns:
    result = wrk.WrkResult(1, rate, p50_ms=1.0, p99_ms=p99_ms, not_successful=0, socket_errors=0)
    return CostedRuns([result], [1e6 / rate if cpu_us is None else cpu_us])


def test_service_table_compares_the_service_with_each_app_cpu_first_and_judges_the_targets() -> (
    None
):
    def compared(
        service: float, plain: float, logging: float, bare: float, orm: float
    ) -> dict[str, CostedRuns]:
        return {
            SERVICE.key: runs_at(service, p99_ms=3.0),
            PLAIN_FASTAPI.key: runs_at(plain),
            PLAIN_FASTAPI_LOGGING.key: runs_at(logging),
            BARE_ASGI.key: runs_at(bare, p99_ms=2.5),
            SQLALCHEMY_FASTAPI.key: runs_at(orm),
        }

    result = ServiceResult(
        versions={"Python": "3.13.0", "fastapi": "0.165.0"},
        comparisons=[
            Comparison(HEALTH, compared(4000.0, 5000.0, 4500.0, 10000.0, 4400.0)),
            Comparison(CREATE, compared(2100.0, 2200.0, 2150.0, 4000.0, 600.0)),
            Comparison(READ, compared(2000.0, 2500.0, 2400.0, 4000.0, 700.0)),
        ],
        under_uploads=runs_at(3600.0),
        observability=ObservabilityCost(
            on=CostedRuns([result_at(1920.0), result_at(1950.0)], [310.0, 300.0]),
            off=CostedRuns([result_at(2000.0), result_at(2040.0)], [290.0, 286.0]),
        ),
    )

    table = report.service_table(result)

    assert "(Python 3.13.0, fastapi 0.165.0)" in table
    # CPU per request first, then the median run; what each app has on beside its name.
    assert (
        "| `GET /health` | the service | request line and id, metrics, concurrency and body "
        "limits, dependencies, response model | 250 us | 4000 | 1.0 ms | 3.0 ms | 250 | 4000 |"
    ) in table
    assert "|  | plain FastAPI, no request log | none | 200 us | 5000 |" in table
    assert "|  | plain FastAPI + request line | request line and id | 222 us | 4500 |" in table
    assert (
        "|  | FastAPI + SQLAlchemy ORM | request line and id, ORM session per request "
        "| 1667 us | 600 | 1.0 ms | 2.0 ms | 1667 | 600 |"
    ) in table
    # /health has no targets against the others; the database routes have each.
    assert "| `GET /health` | 1.25x | 1.12x | 80% | 89% | 100% | 40% | 1.20x | 0.91x |" in table
    assert (
        "| `POST /tasks` | 1.05x (<= 1.1x: met) | 1.02x | 95% (>= 90%: met) | 98% "
        "| 52% (>= 50%: met) | 52% | 1.20x (<= 1.5x: met) | 3.50x (>= 3x: met) |"
    ) in table
    assert (
        "| `GET /tasks/{id}` | 1.25x (<= 1.1x: missed) | 1.20x | 80% (>= 90%: missed) | 83% "
        "| 50% (>= 60%: missed) | 50% | 1.20x (<= 1.5x: met) | 2.86x (>= 3x: missed) |"
    ) in table
    assert "3600 requests/s, p99 2.0 ms, 90% of `/health` alone" in table
    assert "| on | 305 us | 1920 | 2.0 ms | 310, 300 | 1920, 1950 |" in table
    assert "| off | 288 us | 2000 | 2.0 ms | 290, 286 | 2000, 2040 |" in table
    # The cost is judged as a share of the CPU per request, the rate's beside it.
    assert "Cost of turning them on: 5.6% of the CPU per request (<= 5%: missed), 17 us;" in table
    assert "4.0% of the requests per second." in table


def ab_result(*, with_peers: bool) -> AbResult:
    def runs(cpu: list[float], rates: list[float]) -> CostedRuns:
        return CostedRuns([result_at(rate) for rate in rates], cpu)

    read = {A: runs([400.0, 380.0], [2500.0, 2600.0]), B: runs([396.0, 390.0], [2550.0, 2500.0])}
    create = {A: runs([500.0, 480.0], [2000.0, 2100.0]), B: runs([440.0, 440.0], [2300.0, 2300.0])}
    if with_peers:
        read[PLAIN_FASTAPI.key] = runs([300.0, 310.0], [3200.0, 3300.0])
        create[PLAIN_FASTAPI.key] = runs([400.0, 400.0], [2400.0, 2400.0])
    versions = {"Python": "3.13.0", "fastapi": "0.165.0"}
    return AbResult(
        sources={A: "/src/baseline (b0018c6)", B: "/work/main (b0018c6-dirty)"},
        versions={A: versions, B: versions},
        rounds=2,
        comparisons=[Comparison(READ, read), Comparison(CREATE, create)],
    )


def test_ab_tables_give_each_sides_cpu_per_request_first_each_run_and_the_ratio_of_b_to_a() -> None:
    tables = report.ab_tables(ab_result(with_peers=False))

    assert "both on Python 3.13.0, fastapi 0.165.0" in tables
    assert "A: /src/baseline (b0018c6); B: /work/main (b0018c6-dirty)." in tables
    assert "then 2 rounds of wrk" in tables
    assert "| A | 390 us | 400, 380 | 2550 | 2500, 2600 | 2.0 ms |" in tables
    assert "| B | 393 us | 396, 390 | 2525 | 2550, 2500 | 2.0 ms |" in tables
    assert "B/A: CPU per request 1.01x, requests/s 0.99x." in tables
    assert "B/A: CPU per request 0.90x, requests/s 1.12x." in tables
    assert tables.index("`GET /tasks/{id}`:") < tables.index("`POST /tasks`:")
    assert "plain FastAPI" not in tables


def test_ab_tables_with_the_peers_judge_each_side_against_plain_fastapi() -> None:
    tables = report.ab_tables(ab_result(with_peers=True))

    assert "| plain FastAPI, no request log | 305 us | 300, 310 | 3250 | 3200, 3300 |" in tables
    assert (
        "Against plain FastAPI, no request log: A CPU per request 1.28x (<= 1.1x: missed), "
        "requests/s 78% (>= 90%: missed); B CPU per request 1.29x (<= 1.1x: missed), "
        "requests/s 78% (>= 90%: missed)."
    ) in tables
    assert (
        "A CPU per request 1.23x (<= 1.1x: missed), requests/s 85% (>= 90%: missed); "
        "B CPU per request 1.10x (<= 1.1x: met), requests/s 96% (>= 90%: met)."
    ) in tables


@pytest.fixture
def wrk_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")


@pytest.mark.usefixtures("wrk_installed")
def test_ab_part_takes_a_baseline_checkout_and_five_rounds_unless_told() -> None:
    arguments = report.parse_arguments(["--part", "ab", "--baseline", str(TEMPLATE)])

    assert (arguments.baseline, arguments.template) == (TEMPLATE, TEMPLATE)
    assert (arguments.rounds, arguments.with_peers) == (5, False)
    arguments = report.parse_arguments(
        ["--part=ab", f"--baseline={TEMPLATE}", "--rounds=2", "--with-peers"]
    )
    assert (arguments.rounds, arguments.with_peers) == (2, True)


@pytest.mark.usefixtures("wrk_installed")
@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--part", "ab"], "--part ab and --baseline go together"),
        (["--baseline", str(TEMPLATE)], "--part ab and --baseline go together"),
        (["--part", "ab", "--baseline", "/"], "/ is not a checkout of the template"),
        (["--part", "ab", "--baseline", str(TEMPLATE), "--rounds", "0"], "not a positive number"),
    ],
    ids=["no-baseline", "baseline-alone", "not-a-template", "no-rounds"],
)
def test_ab_options_that_do_not_go_together_are_a_usage_error(
    argv: list[str], error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        report.parse_arguments(argv)

    assert exited.value.code == 2
    assert error in capsys.readouterr().err


def test_a_baseline_renders_from_its_own_checkout(tmp_path: Path) -> None:
    project = render_from(TEMPLATE, tmp_path / "render")

    assert (project / "Dockerfile").is_file()
    assert project.parent == tmp_path / "render"


def test_the_bench_rewrites_only_the_results_of_benchmarks_md() -> None:
    document = f"# B\n\nmethod\n{report.RESULTS_START}old\n{report.RESULTS_END}\nfindings\n"

    written = report.with_results(document, "| new |\n")

    results = f"{report.RESULTS_START}\n| new |\n\n{report.RESULTS_END}"
    assert written == f"# B\n\nmethod\n{results}\nfindings\n"
    with pytest.raises(SystemExit, match="lacks its results markers"):
        report.with_results("# B\n\nno markers\n", "| new |\n")


def test_cpu_seconds_count_the_children_of_a_process_too() -> None:
    # A parent that waits on a child, which spins for 0.3 s of CPU and then sleeps.
    child = (
        "import time\n"
        "end = time.process_time() + 0.3\n"
        "while time.process_time() < end: pass\n"
        "time.sleep(60)"
    )
    parent_code = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    parent = subprocess.Popen([sys.executable, "-c", parent_code], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds(parent.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(parent.pid) >= 0.3
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()


@pytest.mark.pipeline
@pytest.mark.parametrize("contender", [c for c in CONTENDERS if c.app], ids=lambda c: c.key)
def test_each_peer_starts_as_the_service_does_and_answers(
    contender: Contender, tmp_path: Path
) -> None:
    project = render(tmp_path / "render")

    with run_like_the_image(project, tmp_path / "run", other_app=other_app(contender)) as peer:
        assert fetch_json(f"{peer.url}/health", status=200) == {"status": "ok"}
        task = fetch_json(f"{peer.url}/tasks", {"title": "Check"}, status=201)
        request = urllib.request.Request(
            f"{peer.url}/tasks/{task['id']}", headers={"X-Request-ID": "bench-check"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            echoed = answer.headers.get("x-request-id")
        log = tmp_path / "run" / "service.log"
        lines = request_lines(log, "bench-check" if contender.logs_requests else None)

    # The peers that write the service's request line echo the id and log it with the route.
    if contender.logs_requests:
        assert echoed == "bench-check"
        (line,) = [line for line in lines if line.get("request_id") == "bench-check"]
        assert (line["method"], line["status"]) == ("GET", 200)
        # The route's template, which the bare floor, routing by hand, does not have.
        assert line["route"] == (None if contender == BARE_ASGI else "/tasks/{task_id}")
        assert isinstance(line["duration_ms"], float)
    else:
        assert (echoed, lines) == (None, [])


def request_lines(log: Path, request_id: str | None) -> list[dict[str, object]]:
    """The request lines of a peer's log, once the one with `request_id` is there if given."""
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        found = [line for line in lines if line.get("event") == "request"]
        if request_id is None or time.monotonic() > deadline:
            return found
        if any(line.get("request_id") == request_id for line in found):
            return found
        time.sleep(0.1)
