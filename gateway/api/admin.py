"""GET /admin/policy: which policy is active, since when, and the last reload error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from gateway.api.deps import AdminDep, PipelineDep

router = APIRouter()


@router.get("/admin/policy")
async def policy_status(pipeline: PipelineDep, caller: AdminDep) -> dict[str, Any]:
    active = pipeline.policies.current
    return {
        "revision": active.revision,
        "path": str(active.path),
        "loaded_at": datetime.fromtimestamp(active.loaded_at, UTC).isoformat(),
        "rules": [rule.id for rule in active.policy.rules],
        "last_reload_error": pipeline.policies.last_error,
    }
