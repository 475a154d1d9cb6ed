"""Intake's health and metrics: live (the process answers), ready (NATS connected and no
problem the log watch knows of), and the Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from shared.runtime import observability as obs

router = APIRouter()


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    connected = request.app.state.nc.is_connected
    problems = sorted(request.app.state.watch.problems.values())
    ok = connected and not problems
    return {"status": "ok" if ok else "degraded", "nats": connected, "problems": problems}


@router.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(request: Request) -> JSONResponse:
    body = await health(request)
    return JSONResponse(body, 200 if body["status"] == "ok" else 503)


@router.get("/metrics")
async def metrics() -> Response:
    body, content_type = obs.metrics_body()
    return Response(body, media_type=content_type)
