"""The service's Prometheus metrics, in a registry of the app's own (docs/operations.md lists them).

The request histogram is observed by the HTTP layer (http_layer.py).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import structlog
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Histogram,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .database import Database
from .logs import LineWriterFactory

# From a quick read on an idle service up to DB_COMMAND_TIMEOUT's default.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """The app's metrics registry, and what it records for each request."""

    def __init__(self) -> None:
        """Create the registry with the request histogram and the process's own collectors."""
        self.registry = CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR, LogCollector()):
            self.registry.register(collector)
        self.request_duration = Histogram(
            "http_request_duration_seconds",
            "Time from receiving a request to sending the end of its response.",
            ["method", "route", "status"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )

    @contextmanager
    def watching(self, database: Database) -> Iterator[None]:
        """Report the database's pool and outages while the block runs."""
        collector = DatabaseCollector(database)
        self.registry.register(collector)
        try:
            yield
        finally:
            self.registry.unregister(collector)


class LogCollector(Collector):
    """Reads, when scraped, how many log lines this process could not write."""

    def collect(self) -> Iterable[Metric]:
        """The lost-lines counter of the process's log writer, 0 before logging is set up."""
        factory = structlog.get_config()["logger_factory"]
        lost = factory.writer.lost if isinstance(factory, LineWriterFactory) else 0
        yield CounterMetricFamily("log_lines_lost", "Log lines that could not be written.", lost)


class DatabaseCollector(Collector):
    """Reads the pool's size and the database's unavailability count when scraped."""

    def __init__(self, database: Database) -> None:
        """Report on this database."""
        self.database = database

    def collect(self) -> Iterable[Metric]:
        """The pool gauges and the unavailable counter, as they are now."""
        sizes = self.database.pool_sizes()
        for name, text, value in [
            ("db_pool_connections", "Connections the pool holds open.", sizes.open),
            ("db_pool_idle_connections", "Open connections no request is using.", sizes.idle),
            ("db_pool_max_connections", "Most connections the pool opens.", sizes.max),
        ]:
            yield GaugeMetricFamily(name, text, value=value)
        yield CounterMetricFamily(
            "db_unavailable",
            "Requests that found the database unavailable.",
            value=self.database.unavailable_count,
        )
