"""What every error answer of the service looks like: problem details (RFC 9457)."""

from typing import Any


def problem(response: Any, status: int) -> Any:
    """The problem details of an error response, checked for their shape and status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


def locations(body: dict[str, Any]) -> list[list[str | int]]:
    """Where in the request each of the problem's errors is."""
    return [error["location"] for error in body["errors"]]
