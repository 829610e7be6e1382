"""GET /api/v1/openapi.json (merged) and the Swagger UI at /docs."""

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, ORJSONResponse
from starlette.routing import BaseRoute

OPENAPI_PATH = "/api/v1/openapi.json"

router = APIRouter(include_in_schema=False)


def _gateway_part(app: FastAPI) -> dict[str, Any]:
    doc = dict(app.openapi())
    doc["paths"] = {p: v for p, v in doc.get("paths", {}).items() if p.startswith("/api/v1/")}
    doc["info"] = {
        **doc.get("info", {}),
        "title": "CRM API",
        "description": "Every CRM service behind the gateway, one document.",
    }
    return doc


@router.get(OPENAPI_PATH)
async def merged_openapi(request: Request) -> ORJSONResponse:
    """The gateway's paths plus every reachable service's (cached ~30 s)."""
    app: FastAPI = request.app
    doc = await request.app.state.openapi.document(lambda: _gateway_part(app))
    return ORJSONResponse(doc)


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI over the merged document."""
    return get_swagger_ui_html(
        openapi_url=OPENAPI_PATH,
        title="CRM API",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


def replace_docs_route(app: FastAPI) -> None:
    """Drop FastAPI's own /docs (which shows only the gateway) in favour of ours."""
    routes: list[BaseRoute] = app.router.routes
    routes[:] = [
        r
        for r in routes
        if getattr(r, "path", None) != "/docs" or getattr(r, "endpoint", None) is swagger_ui
    ]
