"""How errors become responses: 400 for a missing or blank title, 503 for database outages."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .database import DatabaseUnavailableError
from .models import BLANK_TITLE

RETRY_AFTER_SECONDS = 5


class ErrorMessage(BaseModel):
    """The body of a 400, 404 or 503 response."""

    detail: str


BAD_REQUEST_RESPONSE: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorMessage, "description": "Missing or blank title"}
}
NOT_FOUND_RESPONSE: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"model": ErrorMessage, "description": "No task with that id"}
}
UNAVAILABLE_RESPONSE: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "model": ErrorMessage,
        "description": "The database is unavailable; retry later",
    }
}


def _is_title_missing_or_blank(error: dict[str, Any]) -> bool:
    return error["loc"] == ("body", "title") and error["type"] in {"missing", BLANK_TITLE}


def _finite_or_text(number: float) -> float | str:
    """Echo NaN and infinities as text: Python's JSON parser accepts them, JSON has none."""
    return number if math.isfinite(number) else str(number)


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped.

    Validation errors echo the input back, and input can hold unpaired surrogates that
    UTF-8 cannot encode; escaped, they still make valid JSON instead of a 500.
    """

    def render(self, content: Any) -> bytes:
        """Serialise the content as ASCII-only JSON."""
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


async def validation_error(request: Request, error: RequestValidationError) -> Response:
    """Answer 400 when the only problem is a missing or blank title, else 422 with details."""
    problems = error.errors()
    if problems and all(_is_title_missing_or_blank(problem) for problem in problems):
        return JSONResponse(
            {"detail": "title is required and must not be empty or blank"},
            status_code=status.HTTP_400_BAD_REQUEST,
        )
    return AsciiJSONResponse(
        {"detail": jsonable_encoder(problems, custom_encoder={float: _finite_or_text})},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def database_unavailable(request: Request, error: DatabaseUnavailableError) -> Response:
    """Answer 503 with a JSON error while the database cannot be reached."""
    return JSONResponse(
        {"detail": "the database is unavailable, retry later"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


ExceptionHandler = Callable[[Request, Any], Coroutine[Any, Any, Response]]

EXCEPTION_HANDLERS: dict[int | type[Exception], ExceptionHandler] = {
    RequestValidationError: validation_error,
    DatabaseUnavailableError: database_unavailable,
}
