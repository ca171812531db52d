"""An oversized upload gets its 413, readable, and the connection is closed as it says.

Socket-level, against the service as its image runs it (tooling/image.py): the
client sends its whole body before it reads, as most clients do.
"""

import socket
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tooling.image import RunningService, run_like_the_image
from tooling.template import render

SOCKET_TIMEOUT = 30
MB = 1_000_000


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("http-limits")
    with run_like_the_image(render(folder / "render"), folder / "run") as running:
        yield running


def upload(url: str, size: int, *, chunked: bool = False) -> tuple[str, dict[str, str], bytes]:
    """POST /tasks with a body of `size` bytes, all sent before reading; the status line,
    headers and body of the answer, read until the server closed the connection."""
    address = urllib.parse.urlsplit(url)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST /tasks HTTP/1.1\r\nHost: {address.netloc}\r\n{framing}\r\n"
    head += "Content-Type: application/json\r\n\r\n"
    piece = b"x" * 65536
    with socket.create_connection((address.hostname, address.port), SOCKET_TIMEOUT) as client:
        client.sendall(head.encode())
        for start in range(0, size, len(piece)):
            data = piece[: size - start]
            client.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
        if chunked:
            client.sendall(b"0\r\n\r\n")
        answer = b""
        while data := client.recv(65536):
            answer += data
    header_block, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = header_block.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines)
    return status, headers, body


def test_an_oversized_upload_gets_its_413_and_then_the_connection_closes(
    service: RunningService,
) -> None:
    for _ in range(20):
        status, headers, body = upload(service.url, MB)

        assert status == "HTTP/1.1 413 Payload Too Large", (status, headers, body)
        assert headers["connection"] == "close"
        assert b"larger than" in body


def test_oversized_uploads_at_once_each_get_their_413(service: RunningService) -> None:
    uploads = [(5 * MB, False), (5 * MB, False), (50 * MB, False), (10 * MB, True)]

    with ThreadPoolExecutor(len(uploads)) as pool:
        answers = list(pool.map(lambda job: upload(service.url, job[0], chunked=job[1]), uploads))

    assert [status for status, _, _ in answers] == ["HTTP/1.1 413 Payload Too Large"] * 4
