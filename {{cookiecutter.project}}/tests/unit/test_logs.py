"""What the service's log lines look like, in each format, whoever writes them."""

import json
import logging

import pytest
import structlog
from structlog.contextvars import bound_contextvars

from {{ cookiecutter.__package }}.core.logs import LineWriter

from ..service_log import Capture, service_logging
from .fakes import FullDisk
from .service import UNIT_SETTINGS


def test_json_lines_from_the_standard_library_look_like_the_services_own(capsys: Capture) -> None:
    with service_logging(capsys, UNIT_SETTINGS) as log, bound_contextvars(request_id="r-1"):
        logging.getLogger("asyncpg.pool").warning("pool %s", "trouble")
        structlog.get_logger().warning("own", detail=3)
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            logging.getLogger("tests").exception("failed")
        library, own, failed = log.events()

    assert library | {"timestamp": 0} == {
        "event": "pool trouble",
        "level": "warning",
        "logger": "asyncpg.pool",
        "request_id": "r-1",
        "timestamp": 0,
    }
    assert own | {"timestamp": 0} == {
        "event": "own",
        "level": "warning",
        "detail": 3,
        "request_id": "r-1",
        "timestamp": 0,
    }
    assert abs(library["timestamp"] - own["timestamp"]) < 60
    # A traceback is one string in its line.
    assert failed["exception"].splitlines()[-1] == "ZeroDivisionError: division by zero"


def test_lines_below_the_log_level_are_not_written(capsys: Capture) -> None:
    settings = UNIT_SETTINGS.model_copy(update={"log_level": "warning"})
    with service_logging(capsys, settings) as log:
        logging.getLogger("tests").info("quiet")
        structlog.get_logger().info("quiet")
        structlog.get_logger().warning("loud")
        events = log.events()
    assert [event["event"] for event in events] == ["loud"]


def test_console_lines_are_for_people(capsys: Capture) -> None:
    with (
        service_logging(capsys, UNIT_SETTINGS, log_format="console") as log,
        bound_contextvars(request_id="r-2"),
    ):
        structlog.get_logger().info("request", status=200)
        logging.getLogger("tests").warning("careful")
        request, warning = log.lines()

    for line in (request, warning):
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)
        assert "request_id=r-2" in line
    assert "[info     ] request" in request
    assert "status=200" in request
    assert "[warning  ] careful" in warning


def test_a_failed_write_loses_its_line_alone_and_never_reaches_the_caller(capsys: Capture) -> None:
    stream = FullDisk()
    writer = LineWriter(stream)

    writer.info("lost 1")
    writer.info("lost 2")
    stream.full = False
    writer.info("kept")

    assert stream.getvalue() == b"kept\n"
    assert writer.lost == 2
    assert capsys.readouterr().err.splitlines() == [
        "log lines cannot be written, and are lost: [Errno 28] No space left on device"
    ]
