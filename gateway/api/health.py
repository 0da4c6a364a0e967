"""GET /healthz (the process is alive) and GET /readyz (it can serve: the edge answers)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.api.deps import PipelineDep

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(pipeline: PipelineDep) -> JSONResponse:
    edge_ok = await pipeline.edge_ready()
    return JSONResponse(
        {
            "status": "ready" if edge_ok else "not ready",
            "checks": {"edge": edge_ok},
            "breakers": pipeline.breaker_states(),
        },
        status_code=200 if edge_ok else 503,
    )
