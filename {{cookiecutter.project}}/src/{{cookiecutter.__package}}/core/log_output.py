"""Write rendered log lines to a stream: those logged in one event-loop iteration together.

Written here because neither structlog nor the standard library has such a writer:
theirs write and flush each line at once, one system call per line. With a line per
request, that call cost about 20 us of system time per request on the template's
benchmark machine (a file or a pipe as standard output): as much as rendering the line
and counting the request together. Here, a line logged while an event loop runs waits,
in memory, for the end of that loop's current iteration, and is written then with every
other line logged in it: one call for many requests under load, and no more than a
moment's delay when idle. A line logged where no event loop runs is written at once,
after the lines waiting before it; so are the lines waiting when the process exits.

The standard library's records (logs.py) are written at once, so that one may come out
before the request lines logged just before it; every line has its timestamp.

A write that fails (a full disk, a closed pipe) loses the lines it held, and only those:
they are counted (`lost`), the first failure is said once on standard error, and the
next lines are written as usual; a request never sees the error.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import sys
import threading
from typing import Any, BinaryIO

# Write at once, whatever the loop does, once this many lines wait: a loop that runs
# long without yielding must not hold its log in memory.
MAX_WAITING_LINES = 1_000


class BatchedLineWriter:
    """A structlog logger that writes the lines it is given, batched per event-loop iteration."""

    def __init__(self, stream: BinaryIO) -> None:
        """Write to this binary stream (standard output's, for the service)."""
        self.stream = stream
        self.waiting: list[bytes] = []
        self.flush_scheduled = False
        # Lines may come from several threads, each with its own loop (or none).
        self.lock = threading.Lock()
        # Lines that could not be written.
        self.lost = 0

    def msg(self, line: bytes) -> None:
        """Write the line now, or when the running event loop ends its iteration."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self.lock:
            self.waiting.append(line)
            if loop is None or len(self.waiting) >= MAX_WAITING_LINES:
                self.write_waiting()
                return
            if self.flush_scheduled:
                return
            self.flush_scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write every waiting line."""
        with self.lock:
            self.flush_scheduled = False
            self.write_waiting()

    def write_waiting(self) -> None:
        """Write the waiting lines in one call; the caller holds the lock.

        A failed write loses those lines, counted, rather than raise where they were logged.
        """
        if not self.waiting:
            return
        lines, self.waiting = self.waiting, []
        lines.append(b"")  # for the last line's newline
        try:
            self.stream.write(b"\n".join(lines))
            self.stream.flush()
        except (OSError, ValueError) as error:  # ValueError: the stream was closed
            if not self.lost:
                with contextlib.suppress(OSError, ValueError):
                    print(f"log lines cannot be written, and are lost: {error}", file=sys.stderr)
            self.lost += len(lines) - 1

    # structlog calls the method named after the log level.
    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


class BatchedLineWriterFactory:
    """Hands structlog the one writer of this process's standard output."""

    def __init__(self, stream: BinaryIO) -> None:
        """Every logger writes to this stream, through one writer."""
        self.writer = BatchedLineWriter(stream)
        atexit.register(self.writer.flush)

    def __call__(self, *_names: Any) -> BatchedLineWriter:
        """The writer, whatever the logger's name."""
        return self.writer
