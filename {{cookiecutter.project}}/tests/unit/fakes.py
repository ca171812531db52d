"""Test doubles for the service's dependencies."""

import io
import logging
from datetime import UTC, datetime
from typing import NoReturn, cast

import asyncpg

from {{ cookiecutter.__package }}.core.database import (
    Database,
    DatabaseUnavailableError,
    PoolSizes,
)
from {{ cookiecutter.__package }}.tasks.schemas import Task, TaskCreate, TaskUpdate


class InMemoryTaskRepository:
    """Keeps tasks in a dict, the way the PostgreSQL repository keeps them in a table."""

    def __init__(self) -> None:
        self.tasks: dict[int, Task] = {}
        self.last_id = 0

    async def create(self, new_task: TaskCreate) -> Task:
        self.last_id += 1
        task = Task(id=self.last_id, created_at=datetime.now(UTC), **new_task.model_dump())
        self.tasks[task.id] = task
        return task

    async def get(self, task_id: int) -> Task | None:
        return self.tasks.get(task_id)

    async def get_page(self, *, limit: int, offset: int) -> list[Task]:
        return [self.tasks[task_id] for task_id in sorted(self.tasks)][offset : offset + limit]

    async def update(self, task_id: int, changes: TaskUpdate) -> Task | None:
        if task_id not in self.tasks:
            return None
        task = self.tasks[task_id].model_copy(update=changes.model_dump(exclude_unset=True))
        self.tasks[task_id] = task
        return task

    async def delete(self, task_id: int) -> bool:
        return self.tasks.pop(task_id, None) is not None


class BrokenRepository:
    """Logs a warning through the standard library, then fails as a bug would."""

    async def get(self, task_id: int) -> None:
        logging.getLogger("tests.broken").warning("about to fail")
        msg = "secret internals: password=hunter2"
        raise RuntimeError(msg)


class FullDisk(io.BytesIO):
    """A stream whose writes fail while `full` is set, as on a full disk."""

    full = True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.full:
            raise OSError(28, "No space left on device")
        return super().write(data)


class FakeDatabase(Database):
    """Lends no connections; while unavailable, fails pings and borrowing as the real one does."""

    # What the pool of a default-sized, idle service would hold.
    POOL_SIZES = PoolSizes(open=1, idle=1, max=10)

    def __init__(self, *, available: bool = True) -> None:
        super().__init__(cast("asyncpg.Pool", self), acquire_timeout=1, address="fake")  # its pool
        self.available = available

    async def acquire(self, **_options: object) -> NoReturn:
        """The pool's: while unavailable, fails as a lost server."""
        if not self.available:
            raise ConnectionRefusedError(111, "Connection refused")
        msg = "the fake database lends no connections"
        raise NotImplementedError(msg)

    def pool_sizes(self) -> PoolSizes:
        return self.POOL_SIZES

    async def ping(self) -> None:
        if not self.available:
            raise DatabaseUnavailableError
