"""POST /v1/chat/completions and /v1/completions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from edge.disconnect import unless_disconnected
from gateway.api.deps import CallerDep, PipelineDep
from gateway.auth.authenticator import Caller
from gateway.pipeline import Body
from gateway.schemas import ChatCompletionRequest, CompletionRequest

router = APIRouter()
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, pipeline: PipelineDep, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    return await _forward(request, pipeline, caller, "/v1/chat/completions", body)


@router.post("/v1/completions", response_model=None)
async def completions(
    body: CompletionRequest, request: Request, pipeline: PipelineDep, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    return await _forward(request, pipeline, caller, "/v1/completions", body)


async def _forward(
    request: Request, pipeline: PipelineDep, caller: Caller, path: str, body: Body
) -> JSONResponse | StreamingResponse:
    decision = await pipeline.decide(request.state.decision_id, body)
    # Read by DecisionHeadersMiddleware, so that failures after this point carry them too.
    request.state.route = decision.route
    request.state.policy_revision = decision.policy_revision
    if body.stream:
        upstream = await unless_disconnected(request, pipeline.stream(decision, path, body, caller))
        return StreamingResponse(
            upstream.events(), media_type=upstream.media_type, headers=SSE_HEADERS
        )
    return JSONResponse(
        await unless_disconnected(request, pipeline.complete(decision, path, body, caller))
    )
