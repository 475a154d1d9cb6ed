"""Intake's health and metrics: live (the process answers), ready (NATS connected and no
problem the log watch knows of), in the one health shape of shared/runtime/health.py, and the
Prometheus metrics."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from shared.runtime import health
from shared.runtime import observability as obs


async def readiness(request: Request) -> health.Readiness:
    state = request.app.state
    return health.Readiness(state.nc.is_connected, health.watch_problems(state.watch))


router = health.router(readiness)


@router.get("/metrics")
async def metrics() -> Response:
    body, content_type = obs.metrics_body()
    return Response(body, media_type=content_type)
