"""Run the service (`python -m <package>`) in a process of its own, as production does."""

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
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
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
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
        return int(probe.getsockname()[1])


async def start_service(log: Path, settings: dict[str, str]) -> RunningService:
    """Start the service with these settings alone (no `.env`) on a free port, logging to `log`."""
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


async def wait_until_healthy(service: RunningService) -> None:
    """Return once /health answers 200; fail with the service's output if it never does."""
    with anyio.move_on_after(STARTUP_TIMEOUT):
        async with httpx2.AsyncClient(base_url=service.url) as client:
            while service.process.returncode is None:
                with suppress(httpx2.TransportError):
                    if (await client.get("/health")).status_code == 200:
                        return
                await anyio.sleep(0.1)
    raise AssertionError(f"the service did not start:\n{service.output()}")


@asynccontextmanager
async def running_service(log: Path, **settings: str) -> AsyncIterator[RunningService]:
    """The service started as `start_service` does and healthy, stopped when the block ends."""
    service = await start_service(log, settings)
    try:
        await wait_until_healthy(service)
        yield service
    finally:
        await service.stop()
