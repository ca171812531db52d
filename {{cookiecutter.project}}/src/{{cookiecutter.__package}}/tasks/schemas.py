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

# Characters nobody can see: whitespace, control characters and the invisible format
# characters (Unicode's White_Space, Cc and Default_Ignorable_Code_Point), within the Basic
# Multilingual Plane so that the schema's pattern means the same in every regex dialect.
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
    # JSON parsing already refuses unpaired surrogates; NUL is valid JSON but not valid text
    # for PostgreSQL.
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
# What a client may send back of a task it read: accepted and ignored, whatever it holds,
# since the server assigns it.
ReadOnly = Annotated[
    Any,
    Field(default=None, exclude=True, json_schema_extra={"readOnly": True}),
]


def _read_only_unlisted(schema: dict[str, Any]) -> None:
    """Document the read-only fields under patternProperties, allowed but not properties.

    Generators such as openapi-python-client ignore readOnly and offer every property as
    an input; they ignore patternProperties too, so their request models leave these out.
    """
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
    """Document an update's rule, at least one of title and completed, as well as its fields.

    The rule sits in an allOf, which generators merge into the one model: as the schema's
    own anyOf it makes openapi-python-client type the body as Any.
    """
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
