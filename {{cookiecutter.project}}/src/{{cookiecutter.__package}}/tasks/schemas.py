"""The task API's request and response bodies, and the rules a title follows."""

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..core.fields import VISIBLE_TEXT, ReadOnly, never_null, read_only_unlisted

# Mirrored by the tasks table's CHECK constraint (core/migrations/0001_create_tasks.sql).
TITLE_MAX_LENGTH = 200
Title = Annotated[
    StrictStr,
    Field(max_length=TITLE_MAX_LENGTH, examples=["Write the release notes"]),
    *VISIBLE_TEXT,  # a visible character and no NUL (core/fields.py)
]


class TaskCreate(BaseModel):
    """A new task, as a client sends it: a title, and whether it is done already."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=read_only_unlisted)

    title: Title
    completed: StrictBool = False
    id: ReadOnly
    created_at: ReadOnly


def _update_schema(schema: dict[str, Any]) -> None:
    """Document the rule, at least one of title and completed, in an allOf generators merge."""
    read_only_unlisted(schema)
    schema["allOf"] = [{"anyOf": [{"required": ["title"]}, {"required": ["completed"]}]}]


class TaskUpdate(BaseModel):
    """The fields of a task to change, at least one; those left out keep their value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_update_schema)

    # None stands for "left out" only: a client may not send null (see _not_null).
    title: Title | None = Field(default=None, json_schema_extra=never_null)
    completed: StrictBool | None = Field(default=None, json_schema_extra=never_null)
    id: ReadOnly
    created_at: ReadOnly

    @field_validator("title", "completed", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Refuse an explicit null: a field is given a value or left out."""
        if value is None:
            raise PydanticCustomError("null", "must not be null: leave the field out instead")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        """Refuse an update that gives neither a title nor a completed flag."""
        if not self.model_fields_set & {"title", "completed"}:
            msg = "give at least one of: title, completed"
            raise ValueError(msg)
        return self


class Task(BaseModel):
    """A stored task."""

    id: int
    title: str
    completed: bool
    created_at: datetime
