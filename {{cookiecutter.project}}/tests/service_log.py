"""Read what the service logs as it writes it: configure_logging's own output, parsed."""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import structlog

from {{ cookiecutter.__package }}.core.logs import (
    LineWriter,
    LineWriterFactory,
    LogFormat,
    configure_logging,
)
from {{ cookiecutter.__package }}.settings import Settings

# Loggers configure_logging sets up, besides the root.
CONFIGURED_LOGGERS = ("_granian", "granian.access")
Capture = pytest.CaptureFixture[str]


class ServiceLog:
    """The lines the service wrote to standard output since the block began."""

    def __init__(self, capsys: Capture, writer: LineWriter) -> None:
        self.capsys = capsys
        self.writer = writer
        self.written = ""

    def lines(self) -> list[str]:
        """Every line so far."""
        self.written += self.capsys.readouterr().out
        return self.written.splitlines()

    def events(self) -> list[dict[str, Any]]:
        """Every line, read as the JSON object it must be."""
        return [json.loads(line) for line in self.lines()]

    def requests(self) -> list[dict[str, Any]]:
        """The request lines."""
        return [event for event in self.events() if event["event"] == "request"]


@contextmanager
def service_logging(
    capsys: Capture, settings: Settings, log_format: LogFormat = "json"
) -> Iterator[ServiceLog]:
    """Log as the service does, in this format, for the block; enter it in the test's body."""
    loggers = [logging.getLogger(), *map(logging.getLogger, CONFIGURED_LOGGERS)]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    capsys.readouterr()
    # The logging writes to the standard output it finds now: each pytest phase has its own.
    configure_logging(settings.model_copy(update={"log_format": log_format}))
    factory = structlog.get_config()["logger_factory"]
    assert isinstance(factory, LineWriterFactory)
    try:
        yield ServiceLog(capsys, factory.writer)
    finally:
        structlog.reset_defaults()
        for logger, handlers, level, propagate in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
