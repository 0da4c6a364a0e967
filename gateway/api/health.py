"""GET /healthz (the process is alive) and GET /readyz (it can serve: the edge answers;
the cloud's readiness is reported beside it, but only the edge decides the status,
since sensitive work needs the edge alone and the rest falls back to it)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.api.deps import PipelineDep

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, pipeline: PipelineDep) -> JSONResponse:
    if request.app.state.drain.draining:  # shutting down: take this pod out of rotation
        return JSONResponse({"status": "not ready", "draining": True}, status_code=503)
    edge_ok, cloud_ok = await asyncio.gather(pipeline.edge_ready(), pipeline.cloud_ready())
    return JSONResponse(
        {
            "status": "ready" if edge_ok else "not ready",
            "checks": {"edge": edge_ok, "cloud": cloud_ok},
            "breakers": pipeline.breaker_states(),
        },
        status_code=200 if edge_ok else 503,
    )
