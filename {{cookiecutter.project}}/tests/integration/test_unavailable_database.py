"""With no database to talk to, the API answers 503 with a JSON error, never 500."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx2
import pytest
from asgi_lifespan import LifespanManager

from {{ cookiecutter.__package }}.app import create_app
from {{ cookiecutter.__package }}.settings import Settings

pytestmark = pytest.mark.anyio


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def unreachable_client() -> AsyncIterator[httpx2.AsyncClient]:
    settings = Settings(
        database_url=f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres",
        db_pool_min_size=0,
        db_connect_timeout=1,
        run_migrations=False,
        _env_file=None,
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=manager.app), base_url="http://test"
        ) as client,
    ):
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/ready", None),
        ("GET", "/tasks", None),
        ("POST", "/tasks", {"title": "lost?"}),
        ("GET", "/tasks/1", None),
        ("PATCH", "/tasks/1", {"completed": True}),
        ("DELETE", "/tasks/1", None),
    ],
)
async def test_routes_answer_503_without_a_database(
    unreachable_client: httpx2.AsyncClient, method: str, path: str, body: object
) -> None:
    response = await unreachable_client.request(method, path, json=body)

    assert response.status_code == 503
    assert response.json() == {"detail": "the database is unavailable, retry later"}
    assert response.headers["retry-after"] == "5"


async def test_health_stays_up_without_a_database(unreachable_client: httpx2.AsyncClient) -> None:
    assert (await unreachable_client.get("/health")).status_code == 200
