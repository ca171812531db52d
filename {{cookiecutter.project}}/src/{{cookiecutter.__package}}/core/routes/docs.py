"""Interactive API documentation (Swagger UI, ReDoc), for when SERVE_DOCS switches it on.

FastAPI's own pages put the API's title into the HTML as it is; these escape it.
"""

import html

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

OPENAPI_URL = "/openapi.json"


def docs_router(title: str) -> APIRouter:
    """Routes that serve /docs and /redoc for an API of this title."""
    router = APIRouter(include_in_schema=False)
    page_title = html.escape(title)

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{page_title} - Swagger UI")

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=OPENAPI_URL, title=f"{page_title} - ReDoc")

    return router
