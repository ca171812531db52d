"""Benchmark the template: render-to-green time and service throughput, as ratios.

`nox -s bench` runs `python -m tests.bench`: it measures the pipeline (tests/bench_pipeline.py)
and the service (tests/bench_service.py), prints the tables, and writes them, with the
machine, to BENCHMARKS.md and into the README's benchmark section. `--part` measures
one of the two and only prints it, so the files always hold one whole run.
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

from . import wrk
from .bench_pipeline import PHASES, PipelineResult, Timing, measure_pipeline
from .bench_service import (
    HEALTH,
    LOAD,
    RUNS_PER_ENDPOINT,
    ObservabilityCost,
    ServiceResult,
    measure_service,
)
from .rendering import TEMPLATE, tool

BENCHMARKS = TEMPLATE / "BENCHMARKS.md"
README = TEMPLATE / "README.md"
README_BLOCK = re.compile(
    r"(?P<start><!-- benchmarks: start -->\n).*?(?P<end><!-- benchmarks: end -->)", re.DOTALL
)
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
# What the request log and the metrics may cost GET /tasks/{id}, against both off.
OBSERVABILITY_COST = Target(0.05, at_most=True, percent=True)
SHARE_OF_HEALTH = {
    "POST /tasks": Target(0.5, at_most=False, percent=True),
    "GET /tasks/{id}": Target(0.6, at_most=False, percent=True),
}


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


def service_table(result: ServiceResult) -> str:
    """The service's markdown: each endpoint's rate and latencies, and its share of /health."""
    health = next(e for e in result.endpoints if e.endpoint == HEALTH).median.requests_per_second
    lines = [
        f"The service as its image runs it (Granian, Python {result.python}), embedded "
        f"PostgreSQL, loopback; wrk with {LOAD.connections} connections and {LOAD.threads} "
        f"thread for {LOAD.seconds} s after a warm-up, the median of {RUNS_PER_ENDPOINT} runs.",
        "",
        "| endpoint | requests/s | p50 | p99 | runs (requests/s) | of /health | target |",
        "| --- | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for measured in result.endpoints:
        median = measured.median
        share = median.requests_per_second / health
        target = SHARE_OF_HEALTH.get(measured.endpoint.label)
        verdict = target.verdict(share) if target else ""
        runs = ", ".join(f"{rate:.0f}" for rate in measured.rates)
        lines.append(
            f"| `{measured.endpoint.label}` | {median.requests_per_second:.0f} "
            f"| {median.p50_ms:.1f} ms | {median.p99_ms:.1f} ms | {runs} | {share:.0%} "
            f"| {verdict} |"
        )
    return "\n".join([*lines, "", observability_table(result.observability)])


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
        rates = ", ".join(f"{result.requests_per_second:.0f}" for result in runs.results)
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
    """wrk's version, as it prints it (`wrk 4.1.0 [epoll] ...`)."""
    printed = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return " ".join((printed.stdout + printed.stderr).split()[:2])


def tables(pipeline: PipelineResult, service: ServiceResult) -> str:
    """Both parts' markdown, under their headings, with the machine first."""
    return (
        f"Measured with `nox -s bench` on {machine()}.\n\n"
        f"### Render to green\n\n{pipeline_tables(pipeline)}\n\n"
        f"### Service throughput\n\n{service_table(service)}\n"
    )


def with_readme_block(readme: str, block: str) -> str:
    """The README with the text between its benchmark markers replaced by `block`."""
    if not README_BLOCK.search(readme):
        msg = "the README has no <!-- benchmarks: start --> ... <!-- benchmarks: end --> block"
        raise ValueError(msg)
    return README_BLOCK.sub(lambda match: f"{match['start']}{block}{match['end']}", readme)


def write_results(block: str) -> None:
    """Write BENCHMARKS.md and the README's benchmark block."""
    BENCHMARKS.write_text(BENCHMARKS_INTRO + block, encoding="utf-8")
    README.write_text(with_readme_block(README.read_text(encoding="utf-8"), block), "utf-8")


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
        if arguments.part == "pipeline":
            return
        service = measure_service(workdir / "service")
    block = tables(pipeline, service)
    print(block)
    write_results(block)
    print(f"written to {BENCHMARKS.name} and {README.name}")


if __name__ == "__main__":
    main()
