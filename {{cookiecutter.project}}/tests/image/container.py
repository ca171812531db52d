"""Run the image under test in a container on the host's network, and look at it from outside."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
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
DEFAULT_POSTGRES_PORT = "5432"
# Kubernetes' default terminationGracePeriodSeconds: longer, and the kubelet kills the pod.
GRACE_PERIOD = 30


class ContainerExitedError(Exception):
    """The container stopped before it served; the message quotes its last words."""


@dataclass(frozen=True)
class Container:
    """A container of the image, by its engine and name, and the port it serves on."""

    engine: str
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def engine_command(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `<engine> <args>` and return what it printed."""
        return subprocess.run(  # noqa: S603 (the engine that built the image)
            [self.engine, *args],
            capture_output=True,
            text=True,
            timeout=ENGINE_TIMEOUT,
            check=False,
        )

    def state(self) -> dict[str, Any]:
        """The container's state as the engine reports it (Running, ExitCode, ...)."""
        found = self.engine_command("container", "inspect", self.name)
        state: dict[str, Any] = json.loads(found.stdout)[0]["State"]
        return state

    def logs(self) -> str:
        found = self.engine_command("logs", self.name)
        return found.stdout + found.stderr

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        return self.engine_command("exec", self.name, *command)

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


# Starts a container of the image under test with these settings (the `start` fixture).
Start = Callable[..., AbstractContextManager[Container]]


@contextmanager
def container_of(engine: str, image: str, database_url: str, **env: str) -> Iterator[Container]:
    """A container run as production runs it (read-only but /tmp, no privileges), then removed.

    It listens on a free port given by PORT, never the image's default, and reaches the database.
    """
    while (port := free_port()) == DEFAULT_PORT:
        pass
    container = Container(engine, f"image-test-{uuid.uuid4().hex[:12]}", port)
    inside, options = database_for_a_container(database_url)
    env = {"DATABASE_URL": inside, **env, "PORT": str(port)}
    try:
        started = container.engine_command(
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
            image,
        )
        if started.returncode != 0:
            msg = f"`{engine} run` failed: {started.stderr.strip()}"
            raise RuntimeError(msg)
        yield container
    finally:
        # Also when the run failed: the engine may have created the container all the same.
        container.engine_command("rm", "--force", "--volumes", container.name)


def database_for_a_container(database_url: str) -> tuple[str, list[str]]:
    """DATABASE_URL as the container sees it: a server on a Unix socket alone gets it mounted."""
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    folder = query.get("host", "")
    if not folder.startswith("/"):
        return database_url, []
    port = query.get("port", DEFAULT_POSTGRES_PORT)
    socket = Path(folder) / f".s.PGSQL.{port}"
    inside = urlunsplit(parts._replace(query=urlencode({**query, "host": SOCKET_FOLDER})))
    return inside, [f"--volume={socket}:{SOCKET_FOLDER}/{socket.name}"]
