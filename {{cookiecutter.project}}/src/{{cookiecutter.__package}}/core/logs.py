"""Where log lines go and what they look like: one format (LOG_FORMAT) for every line.

Standard library records (asyncpg's, Granian's) go through structlog's ProcessorFormatter.
"""

import contextlib
import logging
import logging.config
import sys
from typing import Any, BinaryIO, Literal

import orjson
import structlog
from structlog.typing import Processor

from ..settings import Settings

LogFormat = Literal["json", "console"]


def configure_logging(settings: Settings) -> None:
    """Write every log line of this process to standard output; call it before building the app."""
    structlog.configure(
        processors=[*event_processors(settings.log_format), line_renderer(settings.log_format)],
        wrapper_class=structlog.make_filtering_bound_logger(settings.log_level.upper()),
        logger_factory=LineWriterFactory(sys.stdout.buffer),
        cache_logger_on_first_use=True,
    )
    logging.config.dictConfig(standard_logging_config(settings))


class LineWriter:
    """A structlog logger writing each line to a stream; a failed write loses that line only.

    The lost lines are counted (`lost`{% if cookiecutter.include_metrics %}, a metric{% endif %}) and the first failure said on stderr.
    """

    def __init__(self, stream: BinaryIO) -> None:
        """Write to this binary stream (standard output's, for the service)."""
        self.stream = stream
        self.lost = 0

    def msg(self, line: str) -> None:
        """Write the line and flush it, so that it is seen at once."""
        try:
            self.stream.write(f"{line}\n".encode())
            self.stream.flush()
        except (OSError, ValueError) as error:  # ValueError: the stream was closed
            if not self.lost:
                with contextlib.suppress(OSError, ValueError):
                    print(f"log lines cannot be written, and are lost: {error}", file=sys.stderr)
            self.lost += 1

    # structlog calls the method named after the log level.
    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


class LineWriterFactory:
    """Hands structlog the one writer of this process's standard output."""

    def __init__(self, stream: BinaryIO) -> None:
        """Every logger writes to this stream, through one writer."""
        self.writer = LineWriter(stream)

    def __call__(self, *_names: Any) -> LineWriter:
        """The writer, whatever the logger's name."""
        return self.writer


def event_processors(log_format: LogFormat) -> list[Processor]:
    """What every event gets before it is rendered: context, level, time, traceback."""
    console = log_format == "console"
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        # A console shows the local time; JSON lines carry UNIX seconds.
        structlog.processors.TimeStamper(fmt="%H:%M:%S.%f" if console else None, utc=not console),
        *([] if console else [structlog.processors.format_exc_info]),  # traceback: a string
    ]


def line_renderer(log_format: LogFormat) -> Processor:
    """The processor that renders an event, structlog's or a standard library record, as a line."""
    if log_format == "console":
        return structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    return structlog.processors.JSONRenderer(lambda obj, **kw: orjson.dumps(obj, **kw).decode())


def standard_logging_config(settings: Settings) -> dict[str, Any]:
    """A logging.config.dictConfig that renders standard library records, Granian's too, as ours."""
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": f"{__name__}.structured_formatter",
                "log_format": settings.log_format,
            }
        },
        "handlers": {
            "output": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["output"], "level": level},
        # Granian's loggers into the same handler, and not a second time through the root.
        "loggers": {
            name: {"handlers": ["output"], "level": level, "propagate": False}
            for name in ("_granian", "granian.access")
        },
    }


def structured_formatter(log_format: LogFormat) -> logging.Formatter:
    """A formatter that renders a standard library record as structlog renders an event."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*event_processors(log_format), structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            line_renderer(log_format),
        ],
    )
