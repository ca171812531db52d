"""Write rendered log lines to a stream: those logged in one event-loop iteration together.

A failed write loses only its lines: they are counted (`lost`), the first failure said on stderr.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import sys
import threading
from typing import Any, BinaryIO

# Write at once when this many lines wait, so a loop that never yields holds little log.
MAX_WAITING_LINES = 1_000


class BatchedLineWriter:
    """A structlog logger that writes the lines it is given, batched per event-loop iteration."""

    def __init__(self, stream: BinaryIO) -> None:
        """Write to this binary stream (standard output's, for the service)."""
        self.stream = stream
        self.waiting: list[bytes] = []
        self.flush_scheduled = False
        self.lock = threading.Lock()  # lines may come from several threads
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
        """Write the waiting lines in one call; the caller holds the lock. A failure is counted."""
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
