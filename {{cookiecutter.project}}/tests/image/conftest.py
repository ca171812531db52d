"""Fixtures for the image tests: the image `nox -s image` built, and a database for it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial

import pytest

from ..database import pytest_configure as configure_the_database
from ..database import pytest_report_header as pytest_report_header
from .container import Container, Start, container_of

# Set by `nox -s image`, which builds the image first.
BUILT_BY_NOX = ("IMAGE", "CONTAINER_ENGINE")


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once, in one line, unless `nox -s image` built the image; then get a database."""
    if missing := [name for name in BUILT_BY_NOX if not os.environ.get(name)]:
        pytest.exit(
            f"{', '.join(missing)} unset: tests/image test the image that `nox -s image` builds; "
            "run them with it",
            returncode=1,
        )
    configure_the_database(config)


@pytest.fixture(scope="session")
def image() -> str:
    return os.environ["IMAGE"]


@pytest.fixture(scope="session")
def start(image: str) -> Start:
    """Start a container of the image against the test database, with these settings too."""
    return partial(container_of, os.environ["CONTAINER_ENGINE"], image, os.environ["DATABASE_URL"])


@pytest.fixture(scope="module")
def service(start: Start) -> Iterator[Container]:
    """One container of the image serving against the test database, for a module's tests."""
    with start() as container:
        container.wait_until_serving()
        yield container
