"""Liveness and readiness probes."""

from fastapi import APIRouter, Request

from ..database import request_database
from ..openapi import problem_responses

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="health")
async def health() -> dict[str, str]:
    """Liveness: answers 200 while the process runs, whatever the database does."""
    return {"status": "ok"}


@router.get("/ready", operation_id="ready", responses=problem_responses(503))
async def ready(request: Request) -> dict[str, str]:
    """Readiness: 200 when the database answers and takes writes, 503 otherwise."""
    await request_database(request).ping()
    return {"status": "ready"}
