"""The task resource's own errors: a missing or blank title is a 400, not the app-wide 422."""

from typing import Any

from ..core.error_handlers import BadRequestRule
from ..core.fields import BLANK

# The task routes' prefix: the router's, and where the title's 400 applies.
PREFIX = "/tasks"
TITLE_LOCATION = ("body", "title")
TITLE_PROBLEMS = {"missing", BLANK}
PROBLEM_DESCRIPTIONS = {
    400: "The title is missing or blank; `errors` lists that and anything else wrong",
    404: "No task has that id",
}


def is_title_problem(error: dict[str, Any]) -> bool:
    """Whether the validation error says the title is missing or blank."""
    return tuple(error["loc"]) == TITLE_LOCATION and error["type"] in TITLE_PROBLEMS


TITLE_REQUIRED = BadRequestRule(
    routes=PREFIX,
    applies=is_title_problem,
    detail="title is required and must contain a visible character",
)
