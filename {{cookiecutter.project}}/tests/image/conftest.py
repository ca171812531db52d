"""The image tests need the image `nox -s image` built and a database; most share one container."""

import os
from collections.abc import Iterator

import pytest

from ..database import pytest_configure as configure_the_database
from ..database import pytest_report_header as pytest_report_header
from .container import Container, started


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once, in one line, unless `nox -s image` built the image; then get a database."""
    if missing := [name for name in ("IMAGE", "CONTAINER_ENGINE") if not os.environ.get(name)]:
        pytest.exit(
            f"{', '.join(missing)} unset: tests/image test the image that `nox -s image` builds; "
            "run them with it",
            returncode=1,
        )
    configure_the_database(config)


@pytest.fixture(scope="module")
def service() -> Iterator[Container]:
    """One container of the image serving against the test database, for a module's tests."""
    with started() as container:
        container.wait_until_serving()
        yield container
