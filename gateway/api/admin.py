"""GET /admin/policy: which policy is active, since when, and the last reload error.
POST /admin/policy/replay: a candidate policy replayed over this gateway's audit log,
without activating it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from gateway.api.deps import AdminDep, PipelineDep
from gateway.api.text_check import READABLE
from gateway.audit.files import discover
from gateway.audit.log import read_principal_key
from gateway.audit.query import iter_events, parse_since
from gateway.audit.replay import Replayer
from gateway.classify.signals import Level
from gateway.errors import InvalidRequest
from gateway.policy.loader import PolicyError, parse_policy
from gateway.settings import GatewaySettings

router = APIRouter()


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str  # the candidate policy, as YAML text
    since: str | None = None  # an ISO time, or an age such as 15m, 2h, 7d
    fail_level: Literal["public", "internal", "confidential", "restricted"] = "confidential"


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


@router.post("/admin/policy/replay")
async def policy_replay(
    body: Annotated[ReplayRequest, READABLE],
    request: Request,
    pipeline: PipelineDep,
    caller: AdminDep,
) -> dict[str, Any]:
    settings: GatewaySettings = request.app.state.settings
    # classifiers_from in the candidate is read relative to the active policy.
    anchor = pipeline.policies.current.path.parent / "candidate.yaml"
    try:
        candidate, revision = parse_policy(body.policy.encode(), anchor)
    except PolicyError as exc:
        raise InvalidRequest("; ".join(exc.problems), param="policy") from exc
    try:
        since = parse_since(body.since)
    except ValueError as exc:
        raise InvalidRequest(f"since: {exc}", param="since") from exc
    log_path = settings.audit.resolved_path(settings.server.state_dir)
    files = [f for f in discover(log_path) if f.exists()]
    replayer = Replayer(
        candidate,
        revision,
        read_principal_key(log_path.parent),
        settings.telemetry.report,
        Level.parse(body.fail_level),
        since,
    )
    # CPU work over a file that may be long: off the event loop.
    report = await asyncio.to_thread(replayer.run, iter_events(files))
    return {**report.as_json(), "would_fail": report.exit_code != 0}
