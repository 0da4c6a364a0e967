"""GET /metrics: Prometheus exposition, for the admin role (or on telemetry.metrics_port)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.api.deps import AdminDep
from gateway.telemetry.metrics import CONTENT_TYPE, Metrics

router = APIRouter()


@router.get("/metrics")
async def metrics(request: Request, _: AdminDep) -> Response:
    registry: Metrics = request.app.state.recording.metrics
    return Response(registry.exposition(), media_type=CONTENT_TYPE)
