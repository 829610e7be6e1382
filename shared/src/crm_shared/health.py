"""`/healthz` (alive), `/readyz` (DB and broker reachable), `/metrics`, `/asyncapi.json`."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


async def _check_db(request: Request) -> str:
    try:
        async with request.app.state.db.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), 2.0)
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


async def _check_broker(request: Request) -> str:
    if not request.app.state.broker_connected.is_set():
        return "down: not connected"
    ok = await request.app.state.broker.ping(timeout=2.0)
    return "ok" if ok else "down: no answer"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to take traffic: the database and the broker both answer."""
    checks = {"database": await _check_db(request), "broker": await _check_broker(request)}
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process."""
    await request.app.state.refresh_metrics()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/asyncapi.json")
async def asyncapi(request: Request) -> Response:
    """The AsyncAPI 3 document: topics this service publishes and consumes."""
    spec = AsyncAPI(
        request.app.state.broker,
        title=request.app.title,
        version=request.app.version,
        description=f"Events of the {request.app.state.settings.service_name} service",
    )
    return Response(spec.to_specification().to_json(), media_type="application/json")
