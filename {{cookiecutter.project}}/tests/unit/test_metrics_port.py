"""METRICS_PORT: /metrics on a port of its own, served by prometheus-client's server."""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from {{ cookiecutter.__package }} import app as app_module
from {{ cookiecutter.__package }}.core.metrics_port import serving_metrics

from ..metrics_text import samples_of, value
from .service import app_with

# Any port: the server is given port 0, and the system picks a free one.
METRICS_PORT = 9000


def scrape(port: int) -> list[Sample]:
    """The metrics as prometheus-client's server on this loopback port serves them."""
    return samples_of(httpx2.get(f"http://127.0.0.1:{port}/metrics", timeout=5))


def test_the_registry_is_served_on_the_port_until_the_block_ends() -> None:
    registry = CollectorRegistry()
    Counter("scrapes_seen", "A counter only this registry has.", registry=registry).inc()
    with serving_metrics(registry, "127.0.0.1", 0) as port:
        scraped = scrape(port)
    assert value(scraped, "scrapes_seen_total") == 1
    with pytest.raises(httpx2.ConnectError):
        scrape(port)


@pytest.fixture
def served_ports(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ports the app's lifespan serves metrics on, each one the system picked."""
    ports: list[int] = []

    @contextmanager
    def on_a_free_port(registry: Collector, host: str, port: int) -> Iterator[int]:
        assert (host, port) == ("127.0.0.1", METRICS_PORT)
        with serving_metrics(registry, host, 0) as picked:
            ports.append(picked)
            yield picked

    monkeypatch.setattr(app_module, "serving_metrics", on_a_free_port)
    return ports


def test_with_a_metrics_port_the_api_port_serves_no_metrics(served_ports: list[int]) -> None:
    app = app_with(host="127.0.0.1", metrics_port=METRICS_PORT)

    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/metrics").status_code == 404
        [port] = served_ports
        scraped = scrape(port)

    health = {"method": "GET", "route": "/health", "status": "200"}
    assert value(scraped, "http_request_duration_seconds_count", **health) == 1
    assert "/metrics" not in app.openapi()["paths"]
    with pytest.raises(httpx2.ConnectError):
        scrape(port)


def test_without_a_metrics_port_none_is_opened(served_ports: list[int]) -> None:
    with TestClient(app_with()) as client:
        assert client.get("/metrics").status_code == 200
    assert served_ports == []
