"""Turn every error into a problem details response (problems.py), app-wide."""

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response, status
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from .database import DatabaseUnavailableError, LifespanNotRunError
from .problems import MAX_REPORTED_PROBLEMS, InputProblem, echoed, problem_response
from .routing import matching_routes

RETRY_AFTER_SECONDS = 5
ExceptionHandler = Callable[[Request, Any], Coroutine[Any, Any, Response]]
# Why FastAPI's JSON parsing gave up on a body, by the error it raised (its 400's cause).
UNREADABLE_BODIES: dict[type[BaseException], str] = {
    UnicodeDecodeError: "the body is not UTF-8 encoded JSON",
    RecursionError: "the body's JSON nests too deeply to read",
    ValueError: "the body's JSON holds a number too long to read",
}


@dataclass(frozen=True)
class BadRequestRule:
    """Validation errors a resource answers with 400 rather than 422, and what the 400 says.

    It applies on the routes under `routes` (the resource's prefix) only.
    """

    routes: str
    applies: Callable[[dict[str, Any]], bool]
    detail: str


def validation_handler(rules: Sequence[BadRequestRule]) -> ExceptionHandler:
    """Answer invalid input with 422, or 400 when a rule applies; list the problems either way.

    The errors a rule applies to come first, so that the cut to MAX_REPORTED_PROBLEMS keeps them.
    """

    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        route = str(getattr(request.scope.get("route"), "path", ""))
        # The prefix itself or a path below it: `/tasks` covers `/tasks/{task_id}`, not `/tasks-x`.
        own = [rule for rule in rules if f"{route}/".startswith(f"{rule.routes}/")]

        def rule_for(error: dict[str, Any]) -> BadRequestRule | None:
            return next((rule for rule in own if rule.applies(error)), None)

        errors = sorted(error.errors(), key=lambda problem: rule_for(problem) is None)
        rule = rule_for(errors[0]) if errors else None
        status_code, detail = (400, rule.detail) if rule else (422, "the request is not valid")
        shown = f" (the first {MAX_REPORTED_PROBLEMS} of {len(errors)})"
        return problem_response(
            status_code,
            f"{detail}: see errors{shown if len(errors) > MAX_REPORTED_PROBLEMS else ''}",
            errors=[
                InputProblem(
                    location=[k if isinstance(k, int) else echoed(str(k)) for k in e["loc"]],
                    message=e["msg"],
                    type=e["type"],
                )
                for e in errors[:MAX_REPORTED_PROBLEMS]
            ],
        )

    return invalid_request


async def http_error(request: Request, error: HTTPException) -> Response:
    """Answer a routing or HTTP error (404, 405, 413, ...) as a problem."""
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        methods = [route.methods or set() for route in matching_routes(request.scope)]
        return problem_response(
            error.status_code,
            f"{echoed(request.method)} is not allowed here",
            # Every method served at the path: Starlette's Allow names only the first route's.
            headers={"Allow": ", ".join(sorted(set().union(*methods)))},
        )
    cause = error.__cause__
    if cause is not None and (reason := UNREADABLE_BODIES.get(type(cause))):
        # FastAPI's 400 for a body its parser gives up on: the 422 of malformed JSON instead.
        return problem_response(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "the request is not valid: see errors",
            errors=[InputProblem(location=["body"], message=reason, type="json_invalid")],
        )
    if error.status_code == status.HTTP_404_NOT_FOUND and error.detail == "Not Found":
        detail = f"nothing at {echoed(request.url.path)}"
    else:
        detail = str(error.detail)
    return problem_response(error.status_code, detail, headers=error.headers)


async def database_unavailable(request: Request, error: DatabaseUnavailableError) -> Response:
    """Answer 503 while the database cannot be reached; the client may retry."""
    return problem_response(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "the database is unavailable, retry later",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def lifespan_not_run(request: Request, error: LifespanNotRunError) -> Response:
    """Answer 500 with how to fix it: the app was called without starting its lifespan."""
    return problem_response(status.HTTP_500_INTERNAL_SERVER_ERROR, str(error))


async def unexpected_error(request: Request, error: Exception) -> Response:
    """Answer 500 without a word about the cause; the request's log line has the traceback."""
    return problem_response(
        status.HTTP_500_INTERNAL_SERVER_ERROR, "the service failed to answer this request"
    )


def exception_handlers(
    bad_requests: Sequence[BadRequestRule],
) -> dict[int | type[Exception], ExceptionHandler]:
    """The app's handlers, by exception: each answers a problem; `bad_requests` make 400s."""
    return {
        RequestValidationError: validation_handler(bad_requests),
        HTTPException: http_error,
        DatabaseUnavailableError: database_unavailable,
        LifespanNotRunError: lifespan_not_run,
        Exception: unexpected_error,
    }
