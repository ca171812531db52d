"""Run the service as production does, in a process of its own.

For tests that need the real server, its limits, its timeouts and its shutdown:
`python -m {{ cookiecutter.__package }}`.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx2

from ..settings import outside_the_project, service_environment

STARTUP_TIMEOUT = 30
STOP_TIMEOUT = 30


@dataclass(frozen=True)
class RunningService:
    """The service's process, where it listens, and where its output goes."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        """The service's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """What the service printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def stop(self) -> int:
        """Send SIGTERM, as an orchestrator does, and return the exit status."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        with anyio.fail_after(STOP_TIMEOUT):
            return await self.process.wait()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def start_service(log: Path, settings: dict[str, str]) -> RunningService:
    """Start the service's process with these settings alone, on a free loopback port."""
    port = free_port()
    environment = service_environment(**settings, HOST="127.0.0.1", PORT=str(port))
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "{{ cookiecutter.__package }}",
            env=environment,
            cwd=outside_the_project(),
            stdout=output,
            stderr=output,
        )
    return RunningService(process, port, log)


@asynccontextmanager
async def running_service(log: Path, **settings: str) -> AsyncIterator[RunningService]:
    """Start the service with these settings (as environment variables) until the block ends.

    No other setting reaches it: none of this process's environment, no `.env`. It
    listens on a free loopback port; its output goes to `log`. It is ready when /health
    answers, and stopped with SIGTERM at the end if it still runs.
    """
    service = await start_service(log, settings)
    try:
        await wait_until_healthy(service)
        yield service
    finally:
        await service.stop()


@asynccontextmanager
async def running_replicas(
    count: int, logs: Path, **settings: str
) -> AsyncIterator[list[RunningService]]:
    """Start `count` instances at once, as an orchestrator starts replicas, until the block ends.

    Each is a service as `running_service` starts one, logging to `logs/replica-<n>.log`.
    """
    services = [await start_service(logs / f"replica-{n}.log", settings) for n in range(count)]
    try:
        async with anyio.create_task_group() as starting:
            for service in services:
                starting.start_soon(wait_until_healthy, service)
        yield services
    finally:
        async with anyio.create_task_group() as stopping:
            for service in services:
                stopping.start_soon(service.stop)


async def wait_until_healthy(service: RunningService) -> None:
    """Return once /health answers 200; fail with the service's output if it never does."""
    with anyio.move_on_after(STARTUP_TIMEOUT):
        async with httpx2.AsyncClient(base_url=service.url) as client:
            while service.process.returncode is None:
                try:
                    if (await client.get("/health")).status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                await anyio.sleep(0.1)
    raise AssertionError(f"the service did not start:\n{service.output()}")
