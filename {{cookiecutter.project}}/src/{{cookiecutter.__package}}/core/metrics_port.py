"""The metrics on a port of their own (METRICS_PORT), served from prometheus-client's thread."""

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import start_http_server
from prometheus_client.registry import Collector


@contextmanager
def serving_metrics(registry: Collector, host: str, port: int) -> Iterator[int]:
    """Serve the registry on host:port while the block runs; yield the port it listens on."""
    server, thread = start_http_server(port, addr=host, registry=registry)
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
