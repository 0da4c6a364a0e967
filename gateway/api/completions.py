"""POST /v1/chat/completions and /v1/completions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from common.disconnect import unless_disconnected
from gateway.api.deps import CallerDep, PipelineDep
from gateway.audit.event import RequestRecord
from gateway.auth.authenticator import Caller
from gateway.errors import BackendUnavailable, BadGateway
from gateway.limits import Lease
from gateway.pipeline import Body, Plan
from gateway.policy.decision import Route
from gateway.schemas import ChatCompletionRequest, CompletionRequest
from gateway.telemetry.stream_meter import StreamMeter

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
    record: RequestRecord = request.state.record
    record.requested_model = body.model
    record.stream = bool(body.stream)
    plan = await pipeline.plan(request.state.decision_id, body, caller.principal)
    decision = plan.decision
    record.decision = decision
    record.classification_s = plan.classification_s
    record.redacted_prompt = plan.redacted_prompt
    record.facts, record.evaluated = plan.facts, plan.evaluated
    # Read by DecisionHeadersMiddleware, so that failures after this point carry them too.
    request.state.policy_revision = decision.policy_revision
    # Every request counts against its caller's quota, one the policy denies too.
    lease = pipeline.admit(plan, caller.principal)
    record.on_finish.append(lease.release)
    route = pipeline.require_allowed(decision)
    try:
        return await _send(request, pipeline, plan, caller, route, path, body, lease)
    except (BackendUnavailable, BadGateway):
        if route != "cloud" or decision.fallback != "edge":
            raise
    # The cloud failed before the client got a byte (unreachable, breaker open, a 5xx,
    # no first byte in time) and the rule allows the edge. The sensitivity ceiling
    # was applied before the cloud was chosen, so this only ever moves data inwards.
    record.fallback = "cloud->edge"
    return await _send(request, pipeline, plan, caller, "edge", path, body, lease)


async def _send(
    request: Request,
    pipeline: PipelineDep,
    plan: Plan,
    caller: Caller,
    route: Route,
    path: str,
    body: Body,
    lease: Lease,
) -> JSONResponse | StreamingResponse:
    record: RequestRecord = request.state.record
    if route == "edge":
        pipeline.admit_edge(plan, lease)
    record.backend = route
    record.model = pipeline.model_of(route)
    record.redacted = plan.decision.redacted and route == "cloud"
    with pipeline.tracing.span("forward", plan.decision.decision_id) as span:
        span.set_attribute("hybridgate.backend", route)
        if body.stream:
            meter = StreamMeter(record, forward_usage=body.include_usage())
            opened = pipeline.stream(plan, route, path, caller, meter)
            upstream = await unless_disconnected(request, opened)
            return StreamingResponse(
                upstream.events(), media_type=upstream.media_type, headers=SSE_HEADERS
            )
        answer = await unless_disconnected(request, pipeline.complete(plan, route, path, caller))
    record.observe_usage(answer.get("usage"))
    return JSONResponse(answer)
