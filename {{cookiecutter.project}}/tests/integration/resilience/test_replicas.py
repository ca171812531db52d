"""Replicas: several instances on one PostgreSQL, one of them stopped while requests flow.

They run as deploy/ runs them in every pod: the migrate command, then the service with
RUN_MIGRATIONS=false. One is stopped as Kubernetes stops a pod in a rollout or a node
drain while the others keep serving: out of the Service's endpoints first, then, once
the requests sent to it are answered (what the preStop pause waits for), SIGTERM.
Without the pause, a connection that reaches the server as it stops listening is reset
with its request unanswered, whatever the server does.
"""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2
import pytest

from {{ cookiecutter.__package }}.core.migrate import load_migrations

from ...database import with_server_setting
from ...settings import outside_the_project, service_environment
from ..running_service import RunningService, start_service, wait_until_healthy
from .load_balancer import Answer, RoundRobin, round_robin

pytestmark = pytest.mark.anyio

REPLICAS = 3
REQUESTS = 300
# Requests in flight at once, over all instances: also the most that can be in flight at
# the stopping one, so the most 503s it may give.
CONCURRENCY = 12
# Answers before the first instance is stopped; the others arrive while it stops and after.
STOP_AFTER = 100
# Bounds the whole test: three starts, 300 writes, 600 reads take a few seconds.
WITHIN = 90


async def migrate_together(database_url: str, count: int) -> list[str]:
    """Run the migrate command `count` times at once, as each new pod does; their outputs."""
    environment = service_environment(DATABASE_URL=database_url)

    async def migrate() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "{{ cookiecutter.__package }}",
            "migrate",
            env=environment,
            cwd=outside_the_project(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode()
        return output.decode()

    return list(await asyncio.gather(*(migrate() for _ in range(count))))


@asynccontextmanager
async def running_replicas(
    count: int, logs: Path, **settings: str
) -> AsyncIterator[list[RunningService]]:
    """Start `count` instances at once, as an orchestrator starts replicas, until the block ends."""
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


async def create_tasks_stopping_one(replicas: list[RunningService]) -> tuple[list[Answer], int]:
    """POST REQUESTS tasks over the replicas, stopping the first midway; answers and its exit."""
    answers: list[Answer] = []
    titles = iter(f"task {number}" for number in range(REQUESTS))
    stop_due = anyio.Event()
    exit_status: list[int] = []

    async def send(balancer: RoundRobin) -> None:
        for title in titles:  # shared: each title is sent once, by whichever sender is free
            answers.append(await balancer.request("POST", "/tasks", json={"title": title}))
            if len(answers) == STOP_AFTER:
                stop_due.set()

    async def stop_the_first(balancer: RoundRobin) -> None:
        await stop_due.wait()
        await balancer.withdraw(0)  # as the preStop pause does: what was sent is answered
        exit_status.append(await replicas[0].stop())

    async with (
        round_robin([replica.url for replica in replicas]) as balancer,
        anyio.create_task_group() as requests,
    ):
        requests.start_soon(stop_the_first, balancer)
        for _ in range(CONCURRENCY):
            requests.start_soon(send, balancer)
    return answers, exit_status[0]


async def read_back(replica: RunningService, tasks: list[dict[str, object]]) -> list[int]:
    """GET each task from one replica; the ids it did not return as created."""
    missing: list[int] = []
    limiter = anyio.CapacityLimiter(CONCURRENCY)
    async with httpx2.AsyncClient(base_url=replica.url) as client:

        async def read(task: dict[str, object]) -> None:
            async with limiter:
                response = await client.get(f"/tasks/{task['id']}")
            if response.status_code != 200 or response.json() != task:
                missing.append(int(str(task["id"])))

        async with anyio.create_task_group() as reads:
            for task in tasks:
                reads.start_soon(read, task)
    return missing


async def test_replicas_migrate_once_and_lose_nothing_when_one_stops(
    database_url: str, schema: str, tmp_path: Path
) -> None:
    # An empty schema: every migration pending.
    url = with_server_setting(database_url, "search_path", schema)

    with anyio.fail_after(WITHIN):
        migrations = await migrate_together(url, REPLICAS)
        async with running_replicas(
            REPLICAS, tmp_path, DATABASE_URL=url, RUN_MIGRATIONS="false"
        ) as replicas:
            answers, exit_status = await create_tasks_stopping_one(replicas)
            created = [
                answer.response.json() for answer in answers if answer.response.status_code == 201
            ]
            unread = {replica.port: await read_back(replica, created) for replica in replicas[1:]}

    applied = [
        line for output in migrations for line in output.splitlines() if line.startswith("applied ")
    ]
    assert sorted(applied) == [f"applied {migration.file_name}" for migration in load_migrations()]
    assert len(answers) == REQUESTS  # each request answered, none lost on the way
    refused = [answer for answer in answers if answer.response.status_code != 201]
    assert {(answer.instance, answer.response.status_code) for answer in refused} <= {(0, 503)}
    assert len(refused) <= CONCURRENCY
    assert {answer.instance for answer in answers} == set(range(REPLICAS))
    assert exit_status == 0, replicas[0].output()
    assert unread == {replica.port: [] for replica in replicas[1:]}
