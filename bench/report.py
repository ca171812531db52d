"""The benchmark's report: measure every part, print the tables, write them down.

It measures the pipeline (pipeline.py) with the developer's loop (loop.py), and the
service (service.py), prints the tables, and writes them, with the machine, to
BENCHMARKS.md. `--part` measures one of the two and only prints it, so the files always
hold one whole run. `--part ab --baseline <another checkout of the template>` measures one
change alone (ab.py): the default service of both checkouts, CPU per request first, `--rounds`
interleaved rounds (5 unless told), `--with-peers` adding plain FastAPI; it prints only.
"""

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from tooling.environment import COMMAND_TIMEOUT, tool
from tooling.template import TEMPLATE

from . import wrk
from .ab import DEFAULT_ROUNDS, A, AbResult, B, measure_ab
from .loop import LoopResult, measure_loop
from .pipeline import PHASES, PipelineResult, Timing, measure_pipeline
from .service import (
    BARE_ASGI,
    CONTENDERS,
    HEALTH,
    HEALTH_UNDER_UPLOADS,
    LOAD,
    PLAIN_FASTAPI,
    PLAIN_FASTAPI_LOGGING,
    RUNS_PER_ENDPOINT,
    SERVICE,
    SQLALCHEMY_FASTAPI,
    WARM_UP,
    Comparison,
    CostedRuns,
    ObservabilityCost,
    ServiceResult,
    measure_service,
)

BENCHMARKS = TEMPLATE / "BENCHMARKS.md"
# The part of BENCHMARKS.md that `nox -s bench` writes; the method and findings around it stay.
RESULTS_START = "<!-- results: written by `nox -s bench` -->\n"
RESULTS_END = "<!-- end of results -->\n"
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
# What share of GET /tasks/{id}'s CPU per request the request log and the metrics may take.
OBSERVABILITY_COST = Target(0.05, at_most=True, percent=True)
SHARE_OF_HEALTH = {
    "POST /tasks": Target(0.5, at_most=False, percent=True),
    "GET /tasks/{id}": Target(0.6, at_most=False, percent=True),
}
# The service against its peers, on the database routes: its own design may cost
# at most a tenth more CPU per request than plain FastAPI without a request log, and a tenth
# of its rate; its slowest answers at most half again the floor's; and it keeps three times
# the rate of the usual ORM stack.
CPU_OVER_PLAIN_FASTAPI = Target(1.1, at_most=True)
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
    """The service's markdown: every app's numbers, CPU first, the service's ratios, its extras."""
    versions = ", ".join(f"{name} {version}" for name, version in result.versions.items())
    lines = [
        f"Each app as the service's image runs it ({versions}), with its own embedded "
        f"PostgreSQL and a pool of 10 connections; loopback; wrk with {LOAD.connections} "
        f"connections and {LOAD.threads} thread for {LOAD.seconds} s after a warm-up, each "
        f"endpoint on each app in turn for {RUNS_PER_ENDPOINT} rounds. CPU per request is the "
        "app's processes' user and system CPU over the requests answered, the median of the "
        "runs; requests/s, p50 and p99 are the run with the median rate.",
        "",
        "| endpoint | app | on | CPU per request | requests/s | p50 | p99 "
        "| runs (CPU per request, us) | runs (requests/s) |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for comparison in result.comparisons:
        for contender in CONTENDERS:
            runs = comparison.runs[contender.key]
            median = runs.median
            endpoint = f"`{comparison.endpoint.label}`" if contender == SERVICE else ""
            lines.append(
                f"| {endpoint} | {contender.label} | {', '.join(contender.on) or 'none'} "
                f"| {runs.median_cpu_us:.0f} us | {median.requests_per_second:.0f} "
                f"| {median.p50_ms:.1f} ms | {median.p99_ms:.1f} ms "
                f"| {figures(runs.cpu_us_per_request)} | {figures(runs.rates)} |"
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


def figures(values: Sequence[float]) -> str:
    """Each run's figure, rounded, in the order they ran."""
    return ", ".join(f"{value:.0f}" for value in values)


def ratios_table(comparisons: list[Comparison]) -> str:
    """The markdown of the service's CPU per request and rate against each app's."""
    health = next(c for c in comparisons if c.endpoint == HEALTH)
    health_rate = health.runs[SERVICE.key].median.requests_per_second
    lines = [
        f"The service against each: its CPU per request over theirs, then its requests/s; "
        f"`{PLAIN_FASTAPI.label}` is FastAPI as a user writes it, "
        f"`{PLAIN_FASTAPI_LOGGING.label}` the same app writing the service's request line.",
        "",
        f"| endpoint | CPU per request over {PLAIN_FASTAPI.label} "
        f"| over {PLAIN_FASTAPI_LOGGING.label} | requests/s, of {PLAIN_FASTAPI.label} "
        f"| of {PLAIN_FASTAPI_LOGGING.label} | of its `/health` | of the bare floor "
        "| p99 over the floor's | requests/s over SQLAlchemy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for comparison in comparisons:
        label = comparison.endpoint.label
        service = comparison.runs[SERVICE.key].median
        floor = comparison.runs[BARE_ASGI.key].median
        cells = [
            times(
                cpu_against(comparison, PLAIN_FASTAPI.key),
                on_database_routes(label, CPU_OVER_PLAIN_FASTAPI),
            ),
            times(cpu_against(comparison, PLAIN_FASTAPI_LOGGING.key)),
            percent(
                rate_against(comparison, PLAIN_FASTAPI.key),
                on_database_routes(label, OF_PLAIN_FASTAPI),
            ),
            percent(rate_against(comparison, PLAIN_FASTAPI_LOGGING.key)),
            percent(service.requests_per_second / health_rate, SHARE_OF_HEALTH.get(label)),
            percent(rate_against(comparison, BARE_ASGI.key)),
            times(service.p99_ms / floor.p99_ms, on_database_routes(label, P99_OVER_THE_FLOOR)),
            times(
                rate_against(comparison, SQLALCHEMY_FASTAPI.key),
                on_database_routes(label, OVER_SQLALCHEMY),
            ),
        ]
        lines.append(f"| `{label}` | {' | '.join(cells)} |")
    return "\n".join(lines)


def cpu_against(comparison: Comparison, key: str) -> float:
    """The service's median CPU per request over another app's, on the compared endpoint."""
    return comparison.runs[SERVICE.key].median_cpu_us / comparison.runs[key].median_cpu_us


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
        "| request log and metrics | CPU per request | requests/s | p99 "
        "| runs (CPU per request, us) | runs (requests/s) |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for label, runs in (("on", cost.on), ("off", cost.off)):
        lines.append(
            f"| {label} | {runs.median_cpu_us:.0f} us | {runs.median.requests_per_second:.0f} "
            f"| {runs.median.p99_ms:.1f} ms | {figures(runs.cpu_us_per_request)} "
            f"| {figures(runs.rates)} |"
        )
    cpu_share = 1 - cost.off.median_cpu_us / cost.on.median_cpu_us
    throughput_cost = 1 - cost.on.median.requests_per_second / cost.off.median.requests_per_second
    lines += [
        "",
        f"Cost of turning them on: {cpu_share:.1%} of the CPU per request "
        f"({OBSERVABILITY_COST.verdict(cpu_share)}), "
        f"{cost.on.median_cpu_us - cost.off.median_cpu_us:.0f} us; "
        f"{throughput_cost:.1%} of the requests per second.",
    ]
    return "\n".join(lines)


def machine() -> str:
    """One line on where and with what the numbers were measured."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = models[0] if models else cpu
    uv = subprocess.run(
        [tool("uv"), "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
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
    printed = subprocess.run(
        ["wrk", "--version"], capture_output=True, text=True, check=False, timeout=COMMAND_TIMEOUT
    )
    return " ".join((printed.stdout + printed.stderr).split()[:2])


def tables(pipeline: PipelineResult, loop: LoopResult, service: ServiceResult) -> str:
    """Every part's markdown, under their headings, with the machine first."""
    return (
        f"Measured with `nox -s bench` on {machine()}.\n\n"
        f"### Render to green\n\n{pipeline_tables(pipeline)}\n\n"
        f"### The loop: one unit session again\n\n{loop_table(loop)}\n\n"
        f"### Service throughput\n\n{service_table(service)}\n"
    )


def ab_tables(result: AbResult) -> str:
    """The A/B markdown: per endpoint, each app's CPU per request and rate, then B over A."""
    (a_versions, b_versions) = (versions_text(result.versions[side]) for side in (A, B))
    on = (
        f"both on {a_versions}"
        if a_versions == b_versions
        else f"A on {a_versions}, B on {b_versions}"
    )
    lines = [
        f"A/B of the default service, each run as its image runs it, {on}. "
        f"A: {result.sources[A]}; B: {result.sources[B]}.",
        f"Per endpoint, a {WARM_UP.seconds} s warm-up of each app, then {result.rounds} rounds "
        f"of wrk with {LOAD.connections} connections and {LOAD.threads} thread for "
        f"{LOAD.seconds} s on each app in turn, each round starting one app later (AB, BA...). "
        "CPU per request is the app's processes' user and system CPU over the requests "
        "answered; the figures are the medians over the rounds.",
    ]
    for comparison in result.comparisons:
        runs = comparison.runs
        lines += [
            "",
            f"`{comparison.endpoint.label}`:",
            "",
            "| app | CPU per request | runs (us) | requests/s | runs (requests/s) | p99 |",
            "| --- | ---: | --- | ---: | --- | ---: |",
        ]
        for key, each in runs.items():
            label = PLAIN_FASTAPI.label if key == PLAIN_FASTAPI.key else key
            lines.append(
                f"| {label} | {each.median_cpu_us:.0f} us | {figures(each.cpu_us_per_request)} "
                f"| {each.median_rate:.0f} | {figures(each.rates)} | {each.median.p99_ms:.1f} ms |"
            )
        lines += ["", f"B/A: {against(runs[B], runs[A])}."]
        if PLAIN_FASTAPI.key in runs:
            peer = runs[PLAIN_FASTAPI.key]
            lines.append(
                f"Against {PLAIN_FASTAPI.label}: A {against(runs[A], peer, targets=True)}; "
                f"B {against(runs[B], peer, targets=True)}."
            )
    return "\n".join(lines)


def against(runs: CostedRuns, other: CostedRuns, *, targets: bool = False) -> str:
    """The CPU per request and the rate of some runs against another app's, the targets' too."""
    cpu = runs.median_cpu_us / other.median_cpu_us
    rate = runs.median_rate / other.median_rate
    cpu_text = times(cpu, CPU_OVER_PLAIN_FASTAPI if targets else None)
    if targets:
        return f"CPU per request {cpu_text}, requests/s {percent(rate, OF_PLAIN_FASTAPI)}"
    return f"CPU per request {cpu_text}, requests/s {times(rate)}"


def versions_text(versions: dict[str, str]) -> str:
    """Versions as the tables name them: `Python 3.13.0, fastapi 0.165.0`."""
    return ", ".join(f"{name} {version}" for name, version in versions.items())


def positive(text: str) -> int:
    """An argument that must be a whole number above zero."""
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text}")
    return number


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The options after `nox -s bench --`; a usage error if they do not go together."""
    parser = argparse.ArgumentParser(prog="nox -s bench --", description=__doc__)
    parser.add_argument(
        "--runs", type=positive, default=DEFAULT_RUNS, help="timed pipeline runs per variant"
    )
    parser.add_argument(
        "--part",
        choices=["pipeline", "service", "ab"],
        help="measure only this part, or A/B (--baseline); write nothing",
    )
    parser.add_argument(
        "--baseline", type=Path, help="with --part ab: the checkout of the template that is A"
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=TEMPLATE,
        help="with --part ab: the checkout that is B (default: this one)",
    )
    parser.add_argument(
        "--rounds",
        type=positive,
        default=DEFAULT_ROUNDS,
        help=f"with --part ab: interleaved rounds per endpoint (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--with-peers",
        action="store_true",
        help=f"with --part ab: load {PLAIN_FASTAPI.label} beside A and B",
    )
    arguments = parser.parse_args(argv)
    if (arguments.part == "ab") != (arguments.baseline is not None):
        parser.error("--part ab and --baseline go together")
    for checkout in (arguments.baseline, arguments.template) if arguments.baseline else ():
        if not (checkout / "cookiecutter.json").is_file():
            parser.error(f"{checkout} is not a checkout of the template: no cookiecutter.json")
    if arguments.part != "pipeline" and shutil.which("wrk") is None:
        parser.error(wrk.INSTALL_HINT)
    return arguments


def main(argv: Sequence[str] | None = None) -> None:
    """Measure, print, and (when both parts were measured) write the results."""
    arguments = parse_arguments(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        workdir = Path(scratch)
        if arguments.part == "ab":
            started = time.monotonic()
            ab = measure_ab(
                workdir / "ab",
                arguments.baseline.resolve(),
                arguments.template.resolve(),
                arguments.rounds,
                with_peers=arguments.with_peers,
            )
            print(ab_tables(ab))
            print(f"\nThe A/B took {(time.monotonic() - started) / 60:.1f} min.")
            return
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
    BENCHMARKS.write_text(with_results(BENCHMARKS.read_text(encoding="utf-8"), block))
    print(f"written to {BENCHMARKS.name}")


def with_results(document: str, block: str) -> str:
    """The document with its results part (between the markers) replaced by `block`."""
    before, start, rest = document.partition(RESULTS_START)
    _, end, after = rest.partition(RESULTS_END)
    if not start or not end:
        msg = f"{BENCHMARKS.name} lacks its results markers: {RESULTS_START!r} ... {RESULTS_END!r}"
        raise SystemExit(msg)
    return f"{before}{RESULTS_START}\n{block.strip()}\n\n{RESULTS_END}{after}"


if __name__ == "__main__":
    main()
