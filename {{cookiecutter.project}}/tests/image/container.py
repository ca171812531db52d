"""Run the image `nox -s image` built in a container on the host's network, seen from outside."""

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx2

from ..integration.running_service import free_port

DEFAULT_PORT = 8000
STARTUP_TIMEOUT = 60
ENGINE_TIMEOUT = 120
# Where a database's Unix socket appears inside the container.
SOCKET_FOLDER = "/run/postgresql"
# Kubernetes' default terminationGracePeriodSeconds: longer, and the kubelet kills the pod.
GRACE_PERIOD = 30


class ContainerExitedError(Exception):
    """The container stopped before it served; the message quotes its last words."""


def engine(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `<engine> <args>` with the engine that built the image (CONTAINER_ENGINE)."""
    return subprocess.run(  # noqa: S603 (the engine that built the image)
        [os.environ["CONTAINER_ENGINE"], *args],
        capture_output=True,
        text=True,
        timeout=ENGINE_TIMEOUT,
        check=False,
    )


@dataclass(frozen=True)
class Container:
    """A container of the image, by its name, and the port it serves on."""

    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict[str, Any]:
        """The container's state as the engine reports it (Running, ExitCode, ...)."""
        found = engine("container", "inspect", self.name)
        state: dict[str, Any] = json.loads(found.stdout)[0]["State"]
        return state

    def logs(self) -> str:
        found = engine("logs", self.name)
        return found.stdout + found.stderr

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        return engine("exec", self.name, *command)

    def wait_until_serving(self) -> None:
        """Return once /health answers; ContainerExitedError if the container stops first."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if not (state := self.state())["Running"]:
                last_words = " / ".join(self.logs().strip().splitlines()[-5:])
                raise ContainerExitedError(f"exit status {state['ExitCode']}: {last_words}")
            with suppress(httpx2.TransportError):
                if httpx2.get(f"{self.url}/health", timeout=2).status_code == httpx2.codes.OK:
                    return
            time.sleep(0.2)
        msg = f"/health did not answer within {STARTUP_TIMEOUT} s: {self.logs()[-2000:]}"
        raise TimeoutError(msg)

    def wait_until_exited(self) -> dict[str, Any]:
        """The container's state once it has stopped by itself."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while (state := self.state())["Running"]:
            if time.monotonic() > deadline:
                msg = f"the container still runs after {STARTUP_TIMEOUT} s: {self.logs()[-2000:]}"
                raise TimeoutError(msg)
            time.sleep(0.2)
        return state


@contextmanager
def started(**env: str) -> Iterator[Container]:
    """A container of IMAGE run as production runs it (read-only but /tmp, no privileges).

    It has these settings, listens on a free port given by PORT, never the image's default, and
    reaches the test database. It is removed when the block ends.
    """
    while (port := free_port()) == DEFAULT_PORT:
        pass
    container = Container(f"image-test-{uuid.uuid4().hex[:12]}", port)
    inside, options = database_for_a_container(os.environ["DATABASE_URL"])
    env = {"DATABASE_URL": inside, **env, "PORT": str(port)}
    try:
        run = engine(
            "run",
            "--detach",
            f"--name={container.name}",
            "--network=host",
            "--read-only",
            "--tmpfs=/tmp",
            "--cap-drop=ALL",
            "--security-opt=no-new-privileges",
            *[f"--env={name}={value}" for name, value in env.items()],
            *options,
            os.environ["IMAGE"],
        )
        if run.returncode != 0:
            msg = f"`{os.environ['CONTAINER_ENGINE']} run` failed: {run.stderr.strip()}"
            raise RuntimeError(msg)
        yield container
    finally:
        # Also when the run failed: the engine may have created the container all the same.
        engine("rm", "--force", "--volumes", container.name)


def database_for_a_container(database_url: str) -> tuple[str, list[str]]:
    """DATABASE_URL as the container sees it: a server on a Unix socket alone gets it mounted."""
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    folder = query.get("host", "")
    if not folder.startswith("/"):
        return database_url, []
    socket = Path(folder) / f".s.PGSQL.{query.get('port', '5432')}"  # PostgreSQL's default port
    inside = urlunsplit(parts._replace(query=urlencode({**query, "host": SOCKET_FOLDER})))
    return inside, [f"--volume={socket}:{SOCKET_FOLDER}/{socket.name}"]
