"""GET /metrics: Prometheus's text format, with bounded labels, read by Prometheus's parser."""

import sys

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.samples import Sample

from ..metrics_text import samples_of, value
from ..service_log import Capture, service_logging
from .fakes import FakeDatabase, FullDisk
from .service import UNIT_SETTINGS, app_on_a_lost_database, app_with

DURATION = "http_request_duration_seconds"
REQUESTS = f"{DURATION}_count"


def scrape(client: TestClient) -> list[Sample]:
    return samples_of(client.get("/metrics"))


def requests_counted(scraped: list[Sample]) -> dict[tuple[str, str, str], float]:
    """The request count of each method, route and status seen."""
    return {
        (s.labels["method"], s.labels["route"], s.labels["status"]): s.value
        for s in scraped
        if s.name == REQUESTS
    }


def test_requests_are_counted_and_timed_by_method_route_template_and_status(
    client: TestClient,
) -> None:
    for _ in range(3):
        client.get("/tasks/1")
    client.post("/tasks", json={"title": "Counted"})

    scraped = scrape(client)

    assert requests_counted(scraped) == {
        ("GET", "/tasks/{task_id}", "404"): 3,
        ("POST", "/tasks", "201"): 1,
    }
    buckets = [s for s in scraped if s.name == f"{DURATION}_bucket" and s.labels["status"] == "404"]
    assert (buckets[-1].labels["le"], buckets[-1].value) == ("+Inf", 3)
    read = {"method": "GET", "route": "/tasks/{task_id}", "status": "404"}
    assert value(scraped, f"{DURATION}_sum", **read) > 0


def test_unknown_paths_and_methods_are_one_label_each_and_early_answers_keep_their_route(
    client: TestClient,
) -> None:
    for number in range(50):
        client.get(f"/scan/{number}")
        client.request(f"METHOD{number}", "/tasks")
    too_large = {"content-length": str(UNIT_SETTINGS.max_request_body_bytes + 1)}
    client.post("/tasks", content=b"{}", headers=too_large)  # answered before routing
    client.get("/openapi.json")

    assert requests_counted(scrape(client)) == {
        ("GET", "unmatched", "404"): 50,
        ("OTHER", "/tasks", "405"): 50,
        ("POST", "/tasks", "413"): 1,
        ("GET", "/openapi.json", "200"): 1,
    }


def test_log_lines_that_could_not_be_written_are_counted(app: FastAPI, capsys: Capture) -> None:
    with service_logging(capsys, UNIT_SETTINGS) as log, TestClient(app) as client:
        log.writer.stream = FullDisk()
        client.get("/tasks/1")  # its line is lost
        log.writer.stream = sys.stdout.buffer
        scraped = scrape(client)
    assert value(scraped, "log_lines_lost_total") == 1


def test_the_pool_the_database_outages_and_the_process_are_shown(client: TestClient) -> None:
    scraped = scrape(client)

    names = {sample.name for sample in scraped}
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total", "python_info"} <= names
    pool = ("db_pool_connections", "db_pool_idle_connections", "db_pool_max_connections")
    assert tuple(value(scraped, gauge) for gauge in pool) == FakeDatabase.POOL_SIZES
    assert value(scraped, "db_unavailable_total") == 0


def test_each_request_the_database_could_not_serve_is_counted() -> None:
    with TestClient(app_on_a_lost_database()) as client:
        client.get("/tasks")
        client.get("/tasks/1")
        assert value(scrape(client), "db_unavailable_total") == 2


def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def test_each_app_counts_only_its_own_requests(client: TestClient) -> None:
    with TestClient(app_with()) as busy:
        busy.get("/health")
    assert requests_counted(scrape(client)) == {}


def test_no_metrics_route_when_switched_off() -> None:
    with TestClient(app_with(serve_metrics=False)) as client:
        assert client.get("/metrics").status_code == 404
