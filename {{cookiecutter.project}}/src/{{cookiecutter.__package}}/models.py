"""The task API's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Mirrored by the CHECK constraint of the tasks table (migrations/0001_create_tasks.sql).
TITLE_MAX_LENGTH = 200
BLANK_TITLE = "blank_title"


def _storable_title(title: str) -> str:
    """Refuse titles that are blank or that PostgreSQL cannot store as text."""
    if not title.strip():
        raise PydanticCustomError(BLANK_TITLE, "title must not be empty or blank")
    # JSON parsing already refuses unpaired surrogates; NUL is valid JSON but not valid text
    # for PostgreSQL.
    if "\x00" in title:
        raise PydanticCustomError("nul_character", "title must not contain NUL characters")
    return title


Title = Annotated[
    StrictStr,
    Field(max_length=TITLE_MAX_LENGTH, examples=["Write the release notes"]),
    AfterValidator(_storable_title),
]


class TaskCreate(BaseModel):
    """A new task, as a client sends it."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    completed: StrictBool = False


class TaskUpdate(BaseModel):
    """The fields of a task to change; those left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    completed: StrictBool | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        """Refuse an update that changes nothing or sets a field to null."""
        if not self.model_fields_set:
            msg = "give at least one of: title, completed"
            raise ValueError(msg)
        for name in sorted(self.model_fields_set):
            if getattr(self, name) is None:
                msg = f"{name} must not be null"
                raise ValueError(msg)
        return self


class Task(BaseModel):
    """A stored task."""

    id: int
    title: str
    completed: bool
    created_at: datetime
