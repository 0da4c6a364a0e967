"""POST /v1/chat/completions and /v1/completions: parse, hand to the pipeline, return."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from common.disconnect import unless_disconnected
from common.drain import Drain
from gateway.api.deps import CallerDep
from gateway.auth.authenticator import Caller
from gateway.backends.sse import DONE, error_event
from gateway.context import Endpoint, RequestContext
from gateway.pipeline import Body, Pipeline, Whole
from gateway.schemas import ChatCompletionRequest, CompletionRequest

router = APIRouter()
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# How a stream still open at the drain deadline ends.
SHUTDOWN_ENDING = (
    error_event("the gateway is shutting down; the stream was cut short", "shutting_down") + DONE
)


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    return await _handle(request, caller, "/v1/chat/completions", body)


@router.post("/v1/completions", response_model=None)
async def completions(
    body: CompletionRequest, request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    return await _handle(request, caller, "/v1/completions", body)


async def _handle(
    request: Request, caller: Caller, endpoint: Endpoint, body: Body
) -> JSONResponse | StreamingResponse:
    # Read here rather than as a dependency: one dependency (the caller) to solve per
    # request instead of two.
    pipeline: Pipeline = request.app.state.pipeline
    context = RequestContext(
        decision_id=request.state.decision_id,
        endpoint=endpoint,
        caller=caller,
        record=request.state.record,
        guard=partial(unless_disconnected, request),
    )
    reply = await pipeline.handle(context, body)
    if isinstance(reply, Whole):
        return JSONResponse(reply.body)
    drain: Drain = request.app.state.drain
    record = context.record

    def cut() -> None:  # the audit event says the shutdown ended this stream
        record.error_code = "shutting_down"

    events = drain.stream(reply.events, SHUTDOWN_ENDING, on_cut=cut)
    return StreamingResponse(events, media_type=reply.media_type, headers=SSE_HEADERS)
