"""Read the service's /metrics as Prometheus does, with prometheus-client's own parser."""

import httpx2
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def samples_of(response: httpx2.Response) -> list[Sample]:
    """Every sample of an answer of /metrics, checked for its status and format."""
    assert response.status_code == 200
    assert response.headers["content-type"] == PROMETHEUS_TEXT
    families = text_string_to_metric_families(response.text)
    return [sample for family in families for sample in family.samples]


def value(scraped: list[Sample], name: str, **labels: str) -> float:
    """The value of the one sample with this name and these labels."""
    (found,) = [s.value for s in scraped if s.name == name and s.labels == labels]
    return found


async def scraped_value(client: httpx2.AsyncClient, name: str, **labels: str) -> float:
    """The value of the one sample with this name and labels that /metrics shows now."""
    return value(samples_of(await client.get("/metrics")), name, **labels)
