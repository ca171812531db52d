"""What the OpenAPI document says beyond the routes: errors as problems, and request ids."""

from collections.abc import Mapping
from typing import Any

from .problems import PROBLEM_MEDIA_TYPE, Problem

PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"
# What each error status means wherever the app answers it; the routes describe their own.
DESCRIPTIONS = {
    408: "The request body did not all arrive within HTTP_BODY_TIMEOUT seconds",
    413: "The request body is larger than MAX_REQUEST_BODY_BYTES",
    422: "The request is not valid: `errors` says what and where",
    500: "The service failed to answer this request",
    503: "The database is unavailable, or the service busy: retry after `Retry-After` seconds",
}
HEADERS: dict[int, dict[str, Any]] = {
    503: {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
}

# Any value is accepted: one that is not a sane id is replaced (http_layer.py).
REQUEST_ID_PARAMETER = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "An id for the request, kept if it is up to 128 letters, digits and "
    "`-_.:+/=`, replaced by a new one otherwise",
    "schema": {"type": "string"},
}
REQUEST_ID_HEADER = {
    "description": "The request's id: the one it sent, or a new one; its log lines carry it",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:+/=-]{1,128}$"},
}

Responses = dict[int | str, dict[str, Any]]


def problem_responses(*statuses: int, descriptions: Mapping[int, str] | None = None) -> Responses:
    """The OpenAPI problem responses of these statuses; `descriptions` overrides DESCRIPTIONS."""
    described = {**DESCRIPTIONS, **(descriptions or {})}
    return {
        status: {
            "description": described[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        }
        | ({"headers": HEADERS[status]} if status in HEADERS else {})
        for status in statuses
    }


def with_problem_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Add the schemas that problem responses name by reference to the document's components."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in schemas:
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas |= problem.pop("$defs", {}) | {"Problem": problem}
    return document


def with_request_ids(document: dict[str, Any]) -> dict[str, Any]:
    """Document the X-Request-ID header of every operation and of each of its responses."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            parameters = operation.setdefault("parameters", [])
            if REQUEST_ID_PARAMETER not in parameters:
                parameters.append(REQUEST_ID_PARAMETER)
            for response in operation["responses"].values():
                response.setdefault("headers", {})["X-Request-ID"] = REQUEST_ID_HEADER
    return document
