"""GET /v1/models: the virtual models callers choose from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.api.deps import CallerDep
from gateway.schemas import VIRTUAL_MODELS

router = APIRouter()


@router.get("/v1/models")
async def list_models(caller: CallerDep) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": 0, "owned_by": "hybridgate"}
            for name in VIRTUAL_MODELS
        ],
    }
