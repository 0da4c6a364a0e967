"""POST /v1/route/explain: the decision for a chat-completions body, with no inference."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from gateway.api.deps import ExplainerDep, PipelineDep
from gateway.api.text_check import READABLE
from gateway.request_state import request_state
from gateway.schemas import ChatCompletionRequest

router = APIRouter()


@router.post("/v1/route/explain")
async def explain(
    body: Annotated[ChatCompletionRequest, READABLE],
    request: Request,
    pipeline: PipelineDep,
    caller: ExplainerDep,
) -> dict[str, Any]:
    state = request_state(request.scope)
    decision = (await pipeline.plan(state.decision_id, body, caller.principal)).decision
    state.policy_revision = decision.policy_revision
    return decision.as_json()
