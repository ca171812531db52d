"""FastAPI as its most used templates write it: SQLAlchemy 2's async ORM behind a DAO.

As s3rius/FastAPI-template generates it: an AsyncEngine on the asyncpg driver with a pool
of the service's size, a session per request from a dependency that commits when the
request is done, a DAO class injected with `Depends()`, and ORM objects turned into the
answer by `response_model`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import Depends, FastAPI, HTTPException, Request
from peer_log import settings, with_request_log
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, Identity, String, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The ORM's models."""


class TaskModel(Base):
    """A row of the service's tasks table (made by its migrations)."""

    __tablename__ = "tasks"
    # The id and created_at come back in the INSERT's RETURNING, not in another SELECT.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    completed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(server_default="now()")


class NewTask(BaseModel):
    """A task to create."""

    title: str = Field(min_length=1, max_length=200)
    completed: bool = False


class TaskOut(BaseModel):
    """A stored task, read from the ORM object."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    completed: bool
    created_at: datetime


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Make the engine and the session factory for the app's lifetime."""
    service = settings()
    url = make_url(service.database_url.get_secret_value()).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(url, pool_size=service.db_pool_max_size, max_overflow=0)
    app.state.db_session_factory = async_sessionmaker(engine, expire_on_commit=False)
    yield
    await engine.dispose()


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for the request, committed and closed after it."""
    session: AsyncSession = request.app.state.db_session_factory()
    try:
        yield session
    finally:
        await session.commit()
        await session.close()


class TaskDAO:
    """Reads and writes tasks in the request's session."""

    def __init__(self, session: AsyncSession = Depends(get_db_session)) -> None:  # noqa: B008
        """Use the request's session."""
        self.session = session

    async def create(self, title: str, completed: bool) -> TaskModel:
        """Add a task and return it with its id and creation time."""
        task = TaskModel(title=title, completed=completed)
        self.session.add(task)
        await self.session.flush()
        return task

    async def get(self, task_id: int) -> TaskModel | None:
        """The task with this id, if any."""
        result = await self.session.execute(select(TaskModel).where(TaskModel.id == task_id))
        return result.scalar_one_or_none()


api = FastAPI(lifespan=lifespan)


@api.get("/health")
async def health() -> dict[str, str]:
    """Answer while the process runs."""
    return {"status": "ok"}


@api.post("/tasks", status_code=201, response_model=TaskOut)
async def create_task(task: NewTask, dao: TaskDAO = Depends()) -> TaskModel:  # noqa: B008
    """Insert a task."""
    return await dao.create(task.title, task.completed)


@api.get("/tasks/{task_id}", response_model=TaskOut)
async def get_task(task_id: int, dao: TaskDAO = Depends()) -> TaskModel:  # noqa: B008
    """Answer one task."""
    task = await dao.get(task_id)
    if task is None:
        raise HTTPException(404, "task not found")
    return task


app = with_request_log(api)
