"""The benchmark's report: measure every part, print the tables, write them down.

It measures the pipeline (pipeline.py) with the developer's loop (loop.py), and the
service (service.py), prints the tables, and writes them, with the machine, to
BENCHMARKS.md. `--part` measures one of the two and only prints it, so the files always
hold one whole run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from tooling.environment import tool
from tooling.template import TEMPLATE

from . import wrk
from .loop import LoopResult, measure_loop
from .pipeline import PHASES, PipelineResult, Timing, measure_pipeline
from .service import (
    BARE_ASGI,
    CONTENDERS,
    HEALTH,
    HEALTH_UNDER_UPLOADS,
    LOAD,
    PLAIN_FASTAPI,
    RUNS_PER_ENDPOINT,
    SERVICE,
    SQLALCHEMY_FASTAPI,
    Comparison,
    ObservabilityCost,
    ServiceResult,
    measure_service,
)

BENCHMARKS = TEMPLATE / "BENCHMARKS.md"
BENCHMARKS_INTRO = (
    "# Benchmarks\n\nWritten by `nox -s bench`; the README's Benchmarks section says how it "
    "measures.\n\n"
)
DEFAULT_RUNS = 3


@dataclass(frozen=True)
class Target:
    """A ratio to reach: at most or at least `bound`."""

    bound: float
    at_most: bool
    percent: bool = False

    def verdict(self, ratio: float) -> str:
        """The target and whether `ratio` meets it, such as `>= 50%: met`."""
        met = ratio <= self.bound if self.at_most else ratio >= self.bound
        sign = "<=" if self.at_most else ">="
        bound = f"{self.bound:.0%}" if self.percent else f"{self.bound:g}x"
        return f"{sign} {bound}: {'met' if met else 'missed'}"


NOX_OVER_FLOOR = Target(1.5, at_most=True)
# A second `nox -s unit` may cost at most a quarter more than `nox -R`, which installs nothing.
REUSE_OVER_NO_INSTALL = Target(1.25, at_most=True)
# What the request log and the metrics may cost GET /tasks/{id}, against both off.
OBSERVABILITY_COST = Target(0.05, at_most=True, percent=True)
SHARE_OF_HEALTH = {
    "POST /tasks": Target(0.5, at_most=False, percent=True),
    "GET /tasks/{id}": Target(0.6, at_most=False, percent=True),
}
# The service against its peers, on the database routes: its own design may cost at most a
# tenth of plain FastAPI's rate, its slowest answers at most half again the floor's, and it
# keeps three times the rate of the usual ORM stack.
OF_PLAIN_FASTAPI = Target(0.9, at_most=False, percent=True)
P99_OVER_THE_FLOOR = Target(1.5, at_most=True)
OVER_SQLALCHEMY = Target(3.0, at_most=False)
DATABASE_ROUTES = ("POST /tasks", "GET /tasks/{id}")


def median_seconds(timings: list[Timing]) -> float:
    """The median wall time of some runs."""
    return statistics.median(timing.seconds for timing in timings)


def median_phase(timings: list[Timing], phase: str) -> float:
    """The median time of one phase over some runs."""
    return statistics.median(timing.phases[phase] for timing in timings)


def seconds_list(timings: list[Timing]) -> str:
    """The runs' wall times, in the order they ran."""
    return ", ".join(f"{timing.seconds:.1f}" for timing in timings)


def pipeline_tables(result: PipelineResult) -> str:
    """The pipeline's markdown: wall times with their ratio, then the time of each phase."""
    floor, nox = median_seconds(result.floor), median_seconds(result.nox)
    ratio = nox / floor
    lines = [
        f"Median of {len(result.nox)} runs, each on a fresh render, uv's cache warm; "
        f"unit and integration on Python {', '.join(result.pythons)}.",
        "",
        "| pipeline | median | runs (s) | over the floor | ratio | target |",
        "| --- | ---: | --- | --- | --- | --- |",
        f"| floor: the same commands in ready environments, PostgreSQL up | {floor:.1f} s "
        f"| {seconds_list(result.floor)} | | | |",
        f"| `nox` | {nox:.1f} s | {seconds_list(result.nox)} | +{nox - floor:.1f} s "
        f"| nox/floor {ratio:.2f}x | {NOX_OVER_FLOOR.verdict(ratio)} |",
        "",
        "Where the time goes (median seconds per phase; a phase of nox is its sessions):",
        "",
        "| phase | floor | nox |",
        "| --- | ---: | ---: |",
    ]
    for phase in PHASES:
        cells = (median_phase(timings, phase) for timings in (result.floor, result.nox))
        lines.append(f"| {phase} | {' | '.join(f'{cell:.1f}' for cell in cells)} |")
    outside = statistics.median(t.seconds - sum(t.phases.values()) for t in result.nox)
    lines.append(f"| nox outside sessions | | {outside:.1f} |")
    return "\n".join(lines)


def loop_table(result: LoopResult) -> str:
    """The loop's markdown: each way's median, its runs, and its overhead over the floor."""
    floor = result.median("floor")
    lines = [
        f"`nox -s unit-{result.python} -- -x -k title` again on an unchanged render, median of "
        f"{len(result.floor)} runs each, in turn.",
        "",
        "| way | median | runs (s) | over the floor | ratio | target |",
        "| --- | ---: | --- | --- | --- | --- |",
    ]
    ways = [
        ("floor: the session's pytest command, run in its environment", "floor"),
        ("`nox -R` (nothing installed)", "no_install"),
        ("`nox`, as the README says (environment reused, `uv sync --locked`)", "nox"),
    ]
    for label, way in ways:
        median = result.median(way)
        runs = ", ".join(f"{seconds:.1f}" for seconds in getattr(result, way))
        over = f"+{median - floor:.1f} s" if way != "floor" else ""
        ratio = target = ""
        if way == "nox":
            value = median / result.median("no_install")
            ratio, target = f"nox/-R {value:.2f}x", REUSE_OVER_NO_INSTALL.verdict(value)
        lines.append(f"| {label} | {median:.1f} s | {runs} | {over} | {ratio} | {target} |")
    return "\n".join(lines)


def service_table(result: ServiceResult) -> str:
    """The service's markdown: every app's numbers, the service's ratios, then its extras."""
    versions = ", ".join(f"{name} {version}" for name, version in result.versions.items())
    lines = [
        f"Each app as the service's image runs it ({versions}), with its own embedded "
        f"PostgreSQL, a pool of 10 connections and the service's request line; loopback; wrk "
        f"with {LOAD.connections} connections and {LOAD.threads} thread for {LOAD.seconds} s "
        f"after a warm-up, each endpoint on each app in turn for {RUNS_PER_ENDPOINT} rounds; "
        "the median run, and the CPU per request of the app's processes.",
        "",
        "| endpoint | app | requests/s | p50 | p99 | CPU per request | runs (requests/s) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for comparison in result.comparisons:
        for contender in CONTENDERS:
            runs = comparison.runs[contender.key]
            median = runs.median
            endpoint = f"`{comparison.endpoint.label}`" if contender == SERVICE else ""
            lines.append(
                f"| {endpoint} | {contender.label} | {median.requests_per_second:.0f} "
                f"| {median.p50_ms:.1f} ms | {median.p99_ms:.1f} ms | {runs.median_cpu_us:.0f} us "
                f"| {', '.join(f'{rate:.0f}' for rate in runs.rates)} |"
            )
    return "\n".join(
        [
            *lines,
            "",
            ratios_table(result.comparisons),
            "",
            uploads_line(result),
            "",
            observability_table(result.observability),
        ]
    )


def ratios_table(comparisons: list[Comparison]) -> str:
    """The markdown of the service's rate against each app's, and its p99 against the floor's."""
    health = next(c for c in comparisons if c.endpoint == HEALTH)
    health_rate = health.runs[SERVICE.key].median.requests_per_second
    lines = [
        "The service against each (requests/s unless said):",
        "",
        "| endpoint | of its `/health` | of plain FastAPI | of the bare floor "
        "| p99 over the floor's | over SQLAlchemy |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for comparison in comparisons:
        label = comparison.endpoint.label
        service = comparison.runs[SERVICE.key].median
        floor = comparison.runs[BARE_ASGI.key].median
        cells = [
            percent(service.requests_per_second / health_rate, SHARE_OF_HEALTH.get(label)),
            percent(
                rate_against(comparison, PLAIN_FASTAPI.key),
                on_database_routes(label, OF_PLAIN_FASTAPI),
            ),
            percent(rate_against(comparison, BARE_ASGI.key)),
            times(service.p99_ms / floor.p99_ms, on_database_routes(label, P99_OVER_THE_FLOOR)),
            times(
                rate_against(comparison, SQLALCHEMY_FASTAPI.key),
                on_database_routes(label, OVER_SQLALCHEMY),
            ),
        ]
        lines.append(f"| `{label}` | {' | '.join(cells)} |")
    return "\n".join(lines)


def rate_against(comparison: Comparison, key: str) -> float:
    """The service's median rate over another app's, on the compared endpoint."""
    service = comparison.runs[SERVICE.key].median.requests_per_second
    return service / comparison.runs[key].median.requests_per_second


def on_database_routes(label: str, target: Target) -> Target | None:
    """The target if the endpoint is one of the database routes it holds for."""
    return target if label in DATABASE_ROUTES else None


def percent(value: float, target: Target | None = None) -> str:
    """A ratio as a percentage, with the target's verdict if there is one."""
    return with_verdict(f"{value:.0%}", value, target)


def times(value: float, target: Target | None = None) -> str:
    """A ratio as a multiple, with the target's verdict if there is one."""
    return with_verdict(f"{value:.2f}x", value, target)


def with_verdict(shown: str, value: float, target: Target | None) -> str:
    """The shown value, followed by the target's verdict on it if there is one."""
    return f"{shown} ({target.verdict(value)})" if target else shown


def uploads_line(result: ServiceResult) -> str:
    """The line on `/health` while clients upload bodies too large to accept."""
    health = next(c for c in result.comparisons if c.endpoint == HEALTH)
    alone = health.runs[SERVICE.key].median.requests_per_second
    loaded = result.under_uploads.median
    return (
        f"`{HEALTH_UNDER_UPLOADS.label}` on the service: "
        f"{loaded.requests_per_second:.0f} requests/s, p99 {loaded.p99_ms:.1f} ms, "
        f"{loaded.requests_per_second / alone:.0%} of `/health` alone."
    )


def observability_table(cost: ObservabilityCost) -> str:
    """The markdown on what the request log and the metrics cost `GET /tasks/{id}`."""
    lines = [
        "`GET /tasks/{id}` with the request log and metrics on (the default) and both off, "
        "two services loaded in turn (ABBA); CPU is the service's, per request.",
        "",
        "| request log and metrics | requests/s | p99 | runs (requests/s) | CPU per request |",
        "| --- | ---: | ---: | --- | ---: |",
    ]
    for label, runs in (("on", cost.on), ("off", cost.off)):
        rates = ", ".join(f"{rate:.0f}" for rate in runs.rates)
        lines.append(
            f"| {label} | {runs.median.requests_per_second:.0f} | {runs.median.p99_ms:.1f} ms "
            f"| {rates} | {runs.median_cpu_us:.0f} us |"
        )
    throughput_cost = 1 - cost.on.median.requests_per_second / cost.off.median.requests_per_second
    cpu_cost = cost.on.median_cpu_us / cost.off.median_cpu_us - 1
    lines += [
        "",
        f"Cost of turning them on: {throughput_cost:.1%} of the requests per second "
        f"({OBSERVABILITY_COST.verdict(throughput_cost)}), {cpu_cost:.1%} more CPU per request.",
    ]
    return "\n".join(lines)


def machine() -> str:
    """One line on where and with what the numbers were measured."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = models[0] if models else cpu
    uv = subprocess.run([tool("uv"), "--version"], capture_output=True, text=True, check=True)
    versions = [
        f"nox {metadata.version('nox')}",
        uv.stdout.strip(),
        wrk_version(),
    ]
    return (
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d}, {os.cpu_count()} cores ({cpu}), "
        f"{platform.system()}, Python {platform.python_version()}; {', '.join(versions)}"
    )


def wrk_version() -> str:
    """The version of wrk, as it prints it (`wrk 4.1.0 [epoll] ...`)."""
    printed = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return " ".join((printed.stdout + printed.stderr).split()[:2])


def tables(pipeline: PipelineResult, loop: LoopResult, service: ServiceResult) -> str:
    """Every part's markdown, under their headings, with the machine first."""
    return (
        f"Measured with `nox -s bench` on {machine()}.\n\n"
        f"### Render to green\n\n{pipeline_tables(pipeline)}\n\n"
        f"### The loop: one unit session again\n\n{loop_table(loop)}\n\n"
        f"### Service throughput\n\n{service_table(service)}\n"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Measure, print, and (when both parts were measured) write the results."""
    parser = argparse.ArgumentParser(prog="nox -s bench --", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help="timed pipeline runs per variant"
    )
    parser.add_argument(
        "--part", choices=["pipeline", "service"], help="measure only this part; write nothing"
    )
    arguments = parser.parse_args(argv)
    if arguments.part != "pipeline" and shutil.which("wrk") is None:
        parser.error(wrk.INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        workdir = Path(scratch)
        if arguments.part == "service":
            print(service_table(measure_service(workdir / "service")))
            return
        pipeline = measure_pipeline(workdir / "pipeline", arguments.runs)
        print(pipeline_tables(pipeline), flush=True)
        loop = measure_loop(workdir / "loop", pipeline.pythons[0], arguments.runs)
        print(loop_table(loop), flush=True)
        if arguments.part == "pipeline":
            return
        service = measure_service(workdir / "service")
    block = tables(pipeline, loop, service)
    print(block)
    BENCHMARKS.write_text(BENCHMARKS_INTRO + block, encoding="utf-8")
    print(f"written to {BENCHMARKS.name}")


if __name__ == "__main__":
    main()
