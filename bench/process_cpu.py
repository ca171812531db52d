"""The CPU time a process and its descendants have used, read from /proc (Linux).

A benchmark's throughput follows whatever else the machine runs; the CPU time each
request costs the service follows it much less, and says where a difference comes from.
"""

import os
from pathlib import Path

from tooling.processes import stat_fields

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of the process and of every process under it, now."""
    return sum(own_cpu_seconds(each) for each in process_tree(pid))


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants that run now."""
    tree = [pid]
    for each in tree:
        for task in Path(f"/proc/{each}/task").glob("*"):
            try:
                tree += [int(child) for child in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue  # the thread has ended
    return tree


def own_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process (its threads included); 0 once it has ended."""
    fields = stat_fields(pid)
    if fields is None:
        return 0.0
    # utime and stime, the 14th and 15th fields of the whole line.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_SECOND
