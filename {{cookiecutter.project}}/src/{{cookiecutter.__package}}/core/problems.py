"""RFC 9457 problem details: the one shape of every error response.

Client text is echoed only as a short prefix (`echoed`), never whole.
"""

from collections.abc import Mapping
from http import HTTPStatus

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 9110's names, which Python's http module uses only from 3.13 on.
RENAMED_BY_RFC_9110 = {413: "Content Too Large", 422: "Unprocessable Content"}
# Bounds on what an error repeats, so a body with thousands of bad keys gets a short answer.
MAX_REPORTED_PROBLEMS = 10
MAX_ECHOED_CHARACTERS = 40


class InputProblem(BaseModel):
    """One thing wrong with the request, and where."""

    location: list[str | int] = Field(
        description="Where: `body`, `path`, `query`, then keys and list positions.",
        examples=[["body", "title"]],
    )
    message: str = Field(examples=["title must contain a visible character"])
    type: str = Field(description="A stable code for the kind of problem.", examples=["blank"])


class Problem(BaseModel):
    """An error response (RFC 9457 problem details)."""

    type: str = Field(
        default="about:blank",
        description="`about:blank`: the status code says what kind of problem it is.",
    )
    title: str = Field(description="The status code's phrase.", examples=["Not Found"])
    status: int = Field(ge=400, le=599, examples=[404])
    detail: str = Field(description="What went wrong, for a person.", examples=["task 7 not found"])
    errors: list[InputProblem] | None = Field(
        default=None,
        description="For a request that was not valid: every problem found, at most "
        f"{MAX_REPORTED_PROBLEMS}.",
        max_length=MAX_REPORTED_PROBLEMS,
    )


class ProblemResponse(JSONResponse):
    """A JSON response of the problem details media type."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_response(
    status: int,
    detail: str,
    *,
    errors: list[InputProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """Answer with a problem of the given status."""
    title = RENAMED_BY_RFC_9110.get(status) or HTTPStatus(status).phrase
    body = Problem(title=title, status=status, detail=detail, errors=errors)
    return ProblemResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=headers
    )


def echoed(text: str) -> str:
    """A short prefix of client text, safe to put in JSON (no lone surrogates)."""
    prefix = text[:MAX_ECHOED_CHARACTERS]
    safe = prefix.encode("utf-8", "replace").decode("utf-8")
    return safe if len(text) <= MAX_ECHOED_CHARACTERS else f"{safe}..."
