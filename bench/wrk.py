"""Load an HTTP service with wrk (Debian's package `wrk`) and read what it reports."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "wrk is not installed: `apt-get install wrk` (Debian, Ubuntu) or `brew install wrk`"

# wrk prints durations with the unit it finds most readable.
MILLISECONDS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
DURATION = r"(?P<value>\d+(?:\.\d+)?)(?P<unit>us|ms|s|m|h)"
REQUESTS_PER_SECOND = re.compile(r"^Requests/sec:\s+(?P<value>\d+(?:\.\d+)?)\s*$", re.MULTILINE)
PERCENTILE = re.compile(rf"^\s+(?P<percent>50|99)(?:\.0+)?%\s+{DURATION}\s*$", re.MULTILINE)
TOTAL = re.compile(r"^\s+(?P<requests>\d+) requests in ", re.MULTILINE)
NOT_SUCCESSFUL = re.compile(r"^\s+Non-2xx or 3xx responses: (?P<count>\d+)\s*$", re.MULTILINE)
SOCKET_ERRORS = re.compile(
    r"^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.MULTILINE
)

# POST /tasks: the same small valid body on every request.
CREATE_TASK_SCRIPT = """\
wrk.method = "POST"
wrk.body = '{"title": "Benchmark task"}'
wrk.headers["Content-Type"] = "application/json"
"""

# GET /tasks/{id}: ids drawn at random from the inclusive range given after `--`.
READ_TASK_SCRIPT = """\
local first, last

function init(args)
  first, last = tonumber(args[1]), tonumber(args[2])
end

function request()
  return wrk.format("GET", "/tasks/" .. math.random(first, last))
end
"""


@dataclass(frozen=True)
class Load:
    """How many concurrent connections, over how many wrk threads, for how long."""

    connections: int
    threads: int
    seconds: int


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured: throughput, latency percentiles and failures."""

    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    not_successful: int
    socket_errors: int


def parse(output: str) -> WrkResult:
    """Read a `wrk --latency` report."""
    rate = REQUESTS_PER_SECOND.search(output)
    total = TOTAL.search(output)
    percentiles = {
        match["percent"]: float(match["value"]) * MILLISECONDS_PER_UNIT[match["unit"]]
        for match in PERCENTILE.finditer(output)
    }
    if rate is None or total is None or percentiles.keys() != {"50", "99"}:
        msg = f"not the report of `wrk --latency`:\n{output}"
        raise ValueError(msg)
    not_successful = NOT_SUCCESSFUL.search(output)
    socket_errors = SOCKET_ERRORS.search(output)
    return WrkResult(
        requests=int(total["requests"]),
        requests_per_second=float(rate["value"]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        not_successful=int(not_successful["count"]) if not_successful else 0,
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


def wrk_command(url: str, load: Load, script: Path | None, *script_args: str) -> list[str]:
    """The wrk command line that puts `load` on `url`, requests made by `script` if given."""
    command = [
        "wrk",
        "--latency",
        f"--connections={load.connections}",
        f"--threads={load.threads}",
        f"--duration={load.seconds}s",
    ]
    if script is not None:
        command.append(f"--script={script}")
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    return command


def run(url: str, load: Load, script: Path | None = None, *script_args: str) -> WrkResult:
    """Put the load on the URL with wrk and return what it measured."""
    if shutil.which("wrk") is None:
        raise RuntimeError(INSTALL_HINT)
    completed = subprocess.run(
        wrk_command(url, load, script, *script_args),
        capture_output=True,
        text=True,
        check=False,
        timeout=load.seconds + 60,
    )
    if completed.returncode != 0:
        msg = f"wrk failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}"
        raise RuntimeError(msg)
    return parse(completed.stdout)
