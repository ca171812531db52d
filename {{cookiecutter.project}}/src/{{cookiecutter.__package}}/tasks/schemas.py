"""The task API's request and response bodies, and the rules a title follows."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Mirrored by the CHECK constraint of the tasks table (migrations/0001_create_tasks.sql).
TITLE_MAX_LENGTH = 200
# The error types of the title problems that make a 400 rather than a 422 (errors.py).
BLANK_TITLE = "blank"
NUL_IN_TITLE = "nul_character"

# Unicode's White_Space, Cc and Default_Ignorable_Code_Point, in the BMP only so that the
# schema's pattern means the same in every regex dialect.
INVISIBLE = (
    r"\u0000-\u0020\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5"
    r"\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f"
    r"\ufeff\uffa0\ufff0-\ufff8"
)
# A title holds a visible character, and no NUL (PostgreSQL's text cannot store one).
TITLE_PATTERN = rf"^[^\u0000]*[^{INVISIBLE}][^\u0000]*$"
VISIBLE_CHARACTER = re.compile(f"[^{INVISIBLE}]")


def _storable_title(title: str) -> str:
    """Refuse titles without a visible character, or that PostgreSQL cannot store as text."""
    if not VISIBLE_CHARACTER.search(title):
        raise PydanticCustomError(BLANK_TITLE, "title must contain a visible character")
    if "\x00" in title:
        raise PydanticCustomError(NUL_IN_TITLE, "title must not contain NUL characters")
    return title


Title = Annotated[
    StrictStr,
    Field(
        max_length=TITLE_MAX_LENGTH,
        # The validator below enforces the pattern; pydantic's own regex dialect differs.
        json_schema_extra={"pattern": TITLE_PATTERN},
        examples=["Write the release notes"],
    ),
    AfterValidator(_storable_title),
]
# A field the server assigns: a client may send it back, and it is ignored.
ReadOnly = Annotated[
    Any,
    Field(default=None, exclude=True, json_schema_extra={"readOnly": True}),
]


def _read_only_unlisted(schema: dict[str, Any]) -> None:
    """Document the read-only fields under patternProperties, which client generators skip."""
    properties = schema["properties"]
    for name in [name for name, field in properties.items() if field.get("readOnly")]:
        schema.setdefault("patternProperties", {})[f"^{re.escape(name)}$"] = properties.pop(name)


class TaskCreate(BaseModel):
    """A new task, as a client sends it: a title, and whether it is done already."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_read_only_unlisted)

    title: Title
    completed: StrictBool = False
    id: ReadOnly
    created_at: ReadOnly


def _never_null(schema: dict[str, Any]) -> None:
    """Document an optional field as never null: the validator refuses an explicit null."""
    schema.update(next(branch for branch in schema.pop("anyOf") if branch.get("type") != "null"))


def _update_schema(schema: dict[str, Any]) -> None:
    """Document the rule, at least one of title and completed, in an allOf generators merge."""
    _read_only_unlisted(schema)
    schema["allOf"] = [{"anyOf": [{"required": ["title"]}, {"required": ["completed"]}]}]


class TaskUpdate(BaseModel):
    """The fields of a task to change, at least one; those left out keep their value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_update_schema)

    # None stands for "left out" only: a client may not send null (see _not_null).
    title: Title | None = Field(default=None, json_schema_extra=_never_null)
    completed: StrictBool | None = Field(default=None, json_schema_extra=_never_null)
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
