"""GET /healthz (the process is alive) and GET /readyz (it can serve: the edge answers;
the cloud's readiness and the limit store's state are reported beside it, but only the
edge decides the status, since sensitive work needs the edge alone and the rest falls
back to it)."""

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
            # memory, up or down. A store that is down never fails readiness: every
            # replica shares it, and its failure mode (a 503 per request, or local
            # counting) is explicit where taking the fleet out of rotation is not.
            "limits_store": pipeline.limiter.store_state,
        },
        status_code=200 if edge_ok else 503,
    )
