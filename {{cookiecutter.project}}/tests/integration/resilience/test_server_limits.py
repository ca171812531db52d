"""The real server (`python -m {{ cookiecutter.__package }}`) under hostile clients.

Bodies over the limit are refused with 413 before they are read, whether declared or sent
in chunks; connections that send nothing, or headers too slowly, are closed after
HTTP_HEADER_TIMEOUT; bodies that come too slowly get 408 after HTTP_BODY_TIMEOUT and free
their places; and while all that goes on, /health answers promptly.
"""

import contextlib
import socket
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path

import anyio
import anyio.abc
import httpx2
import pytest

from {{ cookiecutter.__package }}.core.http_layer import DRAIN_BYTES

from ..running_service import RunningService, running_service

pytestmark = pytest.mark.anyio

HEADER_TIMEOUT = 1.0
MEGABYTE = 1024 * 1024
# What "promptly" means for /health on a loaded test machine: well under the timeouts.
HEALTH_WITHIN = 0.5
IDLE_CONNECTIONS = 200
BODY_TIMEOUT = 1.0
SLOW_BODIES = 8
# A request that declares 100 bytes of body and sends 10 of them.
SLOW_BODY_START = (
    b"POST /tasks HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\n"
    b'Content-Length: 100\r\n\r\n{"title": '
)
SETTLE_WITHIN = BODY_TIMEOUT + 5


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """One event loop for the module, which its one server lives in."""
    return "asyncio"


@pytest.fixture(scope="module")
async def service(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningService]:
    """One server for the module's tests: none of them changes it."""
    async with running_service(
        tmp_path_factory.mktemp("server") / "service.log",
        DATABASE_URL=database_url,
        HTTP_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
    ) as service:
        yield service


async def health_time(service: RunningService) -> float:
    """How long /health takes to answer 200 on a new connection."""
    async with httpx2.AsyncClient(base_url=service.url) as client:
        started = time.perf_counter()
        response = await client.get("/health")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return elapsed


async def read_answer(stream: anyio.abc.ByteStream) -> bytes:
    """Read an answer with a JSON body, up to its closing brace."""
    answer = b""
    with anyio.fail_after(5):
        while not answer.endswith(b"}"):
            answer += await stream.receive()
    return answer


async def declare_large_body(port: int, size: int) -> bytes:
    """Send a POST's headers, with a Content-Length of `size` bytes, and read the answer."""
    head = f"POST /tasks HTTP/1.1\r\nHost: test\r\nContent-Length: {size}\r\n\r\n"
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(head.encode())
        return await read_answer(stream)


async def send_large_body_in_chunks(port: int, size: int) -> tuple[bytes | None, int]:
    """POST `size` bytes in 64 KiB chunks, writing on until the server answers or hangs up.

    Returns the answer, if it arrived, and how many bytes went out. A server that closes a
    connection while the client still writes may reset it, and the reset may overtake
    the answer: the client then sees no answer, only that it could not send it all.
    """
    head = "POST /tasks HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = f"{64 * 1024:x}\r\n".encode() + b"x" * 64 * 1024 + b"\r\n"
    sent = 0
    answer: bytes | None = None
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(head.encode())

        async def send_until_stopped() -> None:
            nonlocal sent
            with contextlib.suppress(anyio.BrokenResourceError, OSError):
                while sent < size:
                    await stream.send(chunk)
                    sent += len(chunk)

        async with anyio.create_task_group() as client:
            client.start_soon(send_until_stopped)
            with contextlib.suppress(anyio.BrokenResourceError, anyio.EndOfStream, OSError):
                answer = await read_answer(stream)
            client.cancel_scope.cancel()
    return answer, sent


def assert_problem_413(answer: bytes) -> None:
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"content-type: application/problem+json" in rest.lower()


@pytest.mark.parametrize("megabytes", [5, 50])
async def test_a_body_declared_too_large_is_refused_before_any_of_it_is_sent(
    service: RunningService, megabytes: int
) -> None:
    assert_problem_413(await declare_large_body(service.port, megabytes * MEGABYTE))


async def test_a_body_sent_in_chunks_is_refused_long_before_its_end(
    service: RunningService,
) -> None:
    size = 2 * DRAIN_BYTES

    answer, sent = await send_large_body_in_chunks(service.port, size)

    # The server stopped reading once it had dropped DRAIN_BYTES after its 413: the client
    # could send no more than that and what the kernel buffers.
    assert sent < size
    if answer is not None:
        assert_problem_413(answer)


async def test_health_answers_while_clients_send_large_bodies(service: RunningService) -> None:
    async with anyio.create_task_group() as uploads:
        for _ in range(6):
            uploads.start_soon(send_large_body_in_chunks, service.port, 50 * MEGABYTE)
        assert await health_time(service) < HEALTH_WITHIN


def open_connections(port: int, count: int, stack: ExitStack) -> list[socket.socket]:
    """Open connections that send nothing, or half a request's headers."""
    connections = []
    for number in range(count):
        connection = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
        if number % 2:
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: slow\r\n")  # and no more
        connections.append(connection)
    return connections


async def test_idle_and_slow_clients_neither_stall_health_nor_stay(
    service: RunningService,
) -> None:
    with ExitStack() as stack:
        connections = open_connections(service.port, IDLE_CONNECTIONS, stack)

        assert await health_time(service) < HEALTH_WITHIN

        await anyio.sleep(HEADER_TIMEOUT + 1)
        for connection in connections:
            connection.settimeout(5)
            assert connection.recv(1) == b"", "the server should have closed it"


async def status_of_list(client: httpx2.AsyncClient) -> int:
    """The status GET /tasks answers now."""
    return (await client.get("/tasks")).status_code


async def wait_for_status(client: httpx2.AsyncClient, expected: int) -> None:
    """Ask GET /tasks until it answers `expected`; fail after SETTLE_WITHIN seconds."""
    with anyio.fail_after(SETTLE_WITHIN):
        while await status_of_list(client) != expected:  # noqa: ASYNC110 (another process)
            await anyio.sleep(0.05)


async def test_slow_bodies_get_408_and_free_their_places(database_url: str, tmp_path: Path) -> None:
    async with (
        running_service(
            tmp_path / "service.log",
            DATABASE_URL=database_url,
            MAX_CONCURRENT_REQUESTS=str(SLOW_BODIES),
            HTTP_BODY_TIMEOUT=str(BODY_TIMEOUT),
        ) as service,
        httpx2.AsyncClient(base_url=service.url) as client,
    ):
        with ExitStack() as stack:
            # One more than the service takes at once: whichever comes when all places
            # are held is refused at once, the others hold theirs until their time is up.
            slow = []
            for _ in range(SLOW_BODIES + 1):
                address = ("127.0.0.1", service.port)
                connection = stack.enter_context(socket.create_connection(address))
                connection.sendall(SLOW_BODY_START)
                slow.append(connection)

            answers = [read_until_closed(connection) for connection in slow]

        statuses = sorted(answer.split(b" ", 2)[1] for answer in answers)
        assert statuses == [b"408"] * SLOW_BODIES + [b"503"], answers
        for answer in answers:
            if b" 408 " in answer.partition(b"\r\n")[0]:
                assert b"\r\nconnection: close\r\n" in answer.lower()
                assert b"the request body did not arrive within 1 seconds" in answer
        await wait_for_status(client, 200)  # the places are free again


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends on a connection until it closes it."""
    connection.settimeout(5)
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return answer
