"""Schema pieces for every resource's bodies: storable visible text, read-only fields."""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

# The error types of text without a visible character, or with a NUL.
BLANK = "blank"
NUL_CHARACTER = "nul_character"

# Unicode's White_Space, Cc and Default_Ignorable_Code_Point, in the BMP only so that the
# schema's pattern means the same in every regex dialect.
INVISIBLE = (
    r"\u0000-\u0020\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5"
    r"\u180b-\u180f\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f"
    r"\ufeff\uffa0\ufff0-\ufff8"
)
# Visible text holds a visible character, and no NUL (PostgreSQL's text cannot store one).
VISIBLE_TEXT_PATTERN = rf"^[^\u0000]*[^{INVISIBLE}][^\u0000]*$"
VISIBLE_CHARACTER = re.compile(f"[^{INVISIBLE}]")


def _storable(text: str, info: ValidationInfo) -> str:
    """Refuse text without a visible character, or that PostgreSQL cannot store as text."""
    if not VISIBLE_CHARACTER.search(text):
        raise PydanticCustomError(BLANK, f"{info.field_name} must contain a visible character")
    if "\x00" in text:
        raise PydanticCustomError(
            NUL_CHARACTER, f"{info.field_name} must not contain NUL characters"
        )
    return text


# The metadata of text that must hold a visible character: its schema's pattern, and the
# validator that enforces it (pydantic's own regex dialect differs). After a Field(max_length).
VISIBLE_TEXT = (
    Field(json_schema_extra={"pattern": VISIBLE_TEXT_PATTERN}),
    AfterValidator(_storable),
)


# A field the server assigns: a client may send it back, and it is ignored.
ReadOnly = Annotated[
    Any,
    Field(default=None, exclude=True, json_schema_extra={"readOnly": True}),
]


def read_only_unlisted(schema: dict[str, Any]) -> None:
    """Document the read-only fields under patternProperties, which client generators skip."""
    properties = schema["properties"]
    for name in [name for name, field in properties.items() if field.get("readOnly")]:
        schema.setdefault("patternProperties", {})[f"^{re.escape(name)}$"] = properties.pop(name)


def never_null(schema: dict[str, Any]) -> None:
    """Document an optional field as never null: its validator refuses an explicit null."""
    schema.update(next(branch for branch in schema.pop("anyOf") if branch.get("type") != "null"))
