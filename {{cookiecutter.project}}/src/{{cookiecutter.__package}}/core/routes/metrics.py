"""The metrics at /metrics on the API's port, for Prometheus, unless METRICS_PORT moves them."""

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, choose_encoder

from ..metrics import Metrics

DESCRIPTION = "The service's metrics in Prometheus's text format, or OpenMetrics if asked for"
MEDIA_TYPES = (CONTENT_TYPE_PLAIN_0_0_4, "application/openmetrics-text")


def metrics_router(metrics: Metrics) -> APIRouter:
    """A route that serves these metrics at /metrics."""
    router = APIRouter(tags=["operations"])

    @router.get(
        "/metrics",
        operation_id="metrics",
        response_class=Response,
        responses={
            200: {
                "description": DESCRIPTION,
                "content": {
                    media_type: {"schema": {"type": "string"}} for media_type in MEDIA_TYPES
                },
            }
        },
    )
    async def scrape(request: Request) -> Response:
        """The metrics as they are now, in the format the `Accept` header prefers."""
        encode, media_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(metrics.registry), media_type=media_type)

    return router
