"""Log lines written in batches, one per event-loop iteration, and never lost or reordered."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest

from {{ cookiecutter.__package }}.core.log_output import MAX_WAITING_LINES, BatchedLineWriter


class CountingStream(io.BytesIO):
    """A stream that counts the writes it is given."""

    writes = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(data)


def test_outside_an_event_loop_each_line_is_written_at_once() -> None:
    stream = CountingStream()
    writer = BatchedLineWriter(stream)

    writer.info(b"one")
    assert stream.getvalue() == b"one\n"
    writer.info(b"two")
    assert stream.getvalue() == b"one\ntwo\n"


def test_lines_of_one_loop_iteration_are_written_together_at_its_end() -> None:
    stream = CountingStream()
    writer = BatchedLineWriter(stream)

    async def log_five_lines() -> bytes:
        for number in range(5):
            writer.info(b"line %d" % number)
        written_meanwhile = stream.getvalue()
        await asyncio.sleep(0)  # the loop ends its iteration
        return written_meanwhile

    assert asyncio.run(log_five_lines()) == b""
    assert stream.getvalue() == b"line 0\nline 1\nline 2\nline 3\nline 4\n"
    assert stream.writes == 1


def test_a_loop_that_does_not_yield_cannot_hold_many_lines() -> None:
    stream = CountingStream()
    writer = BatchedLineWriter(stream)

    async def log_without_yielding() -> bytes:
        for number in range(MAX_WAITING_LINES):
            writer.info(b"%d" % number)
        return stream.getvalue()

    written = asyncio.run(log_without_yielding())
    assert written.splitlines() == [b"%d" % number for number in range(MAX_WAITING_LINES)]


def test_a_line_from_another_thread_comes_after_the_waiting_ones() -> None:
    stream = CountingStream()
    writer = BatchedLineWriter(stream)

    async def log_from_the_loop_then_a_thread() -> bytes:
        writer.info(b"from the loop")
        thread = threading.Thread(target=writer.info, args=(b"from a thread",))
        thread.start()
        thread.join()
        return stream.getvalue()

    expected = b"from the loop\nfrom a thread\n"
    assert asyncio.run(log_from_the_loop_then_a_thread()) == expected
    assert stream.getvalue() == expected


class FullDisk(CountingStream):
    """A stream whose writes fail while `full` is set, as on a full disk."""

    full = True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.full:
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_failed_write_loses_its_lines_alone_and_never_reaches_the_caller(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = FullDisk()
    writer = BatchedLineWriter(stream)

    async def log_through_a_full_disk_and_after() -> None:
        writer.info(b"lost 1")
        writer.info(b"lost 2")
        await asyncio.sleep(0)  # written, and failed
        stream.full = False
        writer.info(b"kept")
        await asyncio.sleep(0)

    asyncio.run(log_through_a_full_disk_and_after())
    writer.info(b"outside the loop")

    assert stream.getvalue() == b"kept\noutside the loop\n"
    assert writer.lost == 2
    assert capsys.readouterr().err.splitlines() == [
        "log lines cannot be written, and are lost: [Errno 28] No space left on device"
    ]
