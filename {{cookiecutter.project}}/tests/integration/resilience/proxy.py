"""A TCP proxy in front of PostgreSQL that a test can cut, partition and restore.

The app under test connects to the proxy (`DatabaseProxy.url`) instead of the server, so
a test can take the database away from a running app and give it back. It works the same
whether the server listens on TCP (a `DATABASE_URL`) or on a Unix socket (the embedded
server, `?host=/path/to/socket/dir`); the proxy itself always listens on 127.0.0.1.

- `cut()`: the server is gone. Open connections are closed, and new ones are closed as
  soon as they are accepted, so clients fail at once.
- `partition()`: the network is lost. Connections stay open but nothing gets through in
  either direction, new ones included, so only the clients' timeouts end their wait.
- `restore()`: traffic flows again; what a partition held back is delivered.
"""

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

PROXY_HOST = "127.0.0.1"
DEFAULT_PORT = 5432
# Where asyncpg looks for a server's Unix socket when the URL names no host (then localhost).
# Only looked at, never written to: S108's worry about shared temporary folders does not apply.
SOCKET_FOLDERS = ("/run/postgresql", "/var/run/postgresql", "/tmp", "/private/tmp")  # noqa: S108
CHUNK_SIZE = 64 * 1024

# A TCP (host, port) or the path of a Unix socket.
Address = tuple[str, int] | str


def server_address(database_url: str) -> Address:
    """Where the server of a libpq-style URL listens, as asyncpg would connect to it."""
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    host = query.get("host") or unquote(parts.hostname or "") or os.environ.get("PGHOST")
    port = int(query.get("port") or parts.port or os.environ.get("PGPORT") or DEFAULT_PORT)
    if not host:
        host = next(
            (folder for folder in SOCKET_FOLDERS if Path(folder, f".s.PGSQL.{port}").exists()),
            "localhost",
        )
    if "," in host:
        msg = f"the proxy supports one database host, not {host!r}"
        raise ValueError(msg)
    if host.startswith("/"):
        return f"{host}/.s.PGSQL.{port}"
    return (host, port)


def proxied_url(database_url: str, port: int) -> str:
    """The same URL (user, password, database, options), pointed at the proxy's port."""
    parts = urlsplit(database_url)
    credentials, _, _ = parts.netloc.rpartition("@")
    netloc = f"{credentials}@{PROXY_HOST}:{port}" if credentials else f"{PROXY_HOST}:{port}"
    query = [(key, value) for key, value in parse_qsl(parts.query) if key not in {"host", "port"}]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))


async def connect(address: Address) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a connection to the server."""
    if isinstance(address, str):
        return await asyncio.open_unix_connection(address)
    return await asyncio.open_connection(*address)


class DatabaseProxy:
    """Forwards connections to the server, unless a test has cut or partitioned it."""

    def __init__(self, database_url: str, port: int) -> None:
        self.url = proxied_url(database_url, port)
        self._server = server_address(database_url)
        self._connections: set[asyncio.Task[None]] = set()
        self._is_cut = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._holding = asyncio.Event()

    def cut(self) -> None:
        """Close every open connection and refuse new ones until `restore()`."""
        self._is_cut = True
        self.close_connections()

    def partition(self) -> None:
        """Hold all traffic, on open connections and new ones, until `restore()`."""
        if self._flowing.is_set():
            self._flowing = asyncio.Event()
            self._holding = asyncio.Event()

    def restore(self) -> None:
        """Accept and forward connections again, delivering what a partition held."""
        self._is_cut = False
        self._flowing.set()

    async def wait_until_holding(self) -> None:
        """Return once a partition holds back data that a client or the server sent."""
        await self._holding.wait()

    def close_connections(self) -> None:
        """Close every connection the proxy forwards or holds."""
        for connection in self._connections:
            connection.cancel()

    async def close(self) -> None:
        """Close every connection and wait until they are closed."""
        connections = list(self._connections)
        self.close_connections()
        await asyncio.gather(*connections, return_exceptions=True)

    async def handle(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        """Serve one client connection: forward it, or close it while the server is cut."""
        connection = asyncio.current_task()
        assert connection is not None  # the server runs each connection in a task
        self._connections.add(connection)
        try:
            if not self._is_cut:
                await self._forward(client, to_client)
        except asyncio.CancelledError:
            # cut() or close() ends the connection, as a server going away would. The
            # task is the proxy's own, and Python 3.11's stream server logs an error for
            # a connection task that ends cancelled.
            pass
        finally:
            self._connections.discard(connection)
            to_client.close()

    async def _forward(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        await self._flowing.wait()
        try:
            server, to_server = await connect(self._server)
        except OSError:
            return  # the server is really down: the client sees its connection closed
        try:
            await asyncio.gather(self._pump(client, to_server), self._pump(server, to_client))
        finally:
            to_server.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Copy one direction until it ends; then close the other end, which ends the other."""
        try:
            while chunk := await source.read(CHUNK_SIZE):
                if not self._flowing.is_set():
                    self._holding.set()
                    await self._flowing.wait()
                sink.write(chunk)
                await sink.drain()
        except ConnectionError:
            pass
        finally:
            sink.close()


@asynccontextmanager
async def database_proxy(database_url: str) -> AsyncIterator[DatabaseProxy]:
    """Run a proxy to the database at `database_url` for the duration of the block.

    It runs on asyncio streams, so tests that use it run on anyio's asyncio backend.
    """
    listening = socket.create_server((PROXY_HOST, 0))
    proxy = DatabaseProxy(database_url, listening.getsockname()[1])
    listener = await asyncio.start_server(proxy.handle, sock=listening)
    try:
        yield proxy
    finally:
        listener.close()
        await proxy.close()
        await listener.wait_closed()
