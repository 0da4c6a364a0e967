"""POST /v1/embeddings: classified, decided and recorded like a completion; sensitive
input is embedded on the edge only."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from common.disconnect import unless_disconnected
from gateway.api.deps import CallerDep, PipelineDep
from gateway.context import EMBEDDINGS, RequestContext
from gateway.errors import InvalidRequest
from gateway.pipeline import Whole
from gateway.schemas import EmbeddingRequest

router = APIRouter()


@router.post("/v1/embeddings")
async def embeddings(
    body: EmbeddingRequest, request: Request, pipeline: PipelineDep, caller: CallerDep
) -> JSONResponse:
    _require_text(body)
    context = RequestContext(
        decision_id=request.state.decision_id,
        endpoint=EMBEDDINGS,
        caller=caller,
        record=request.state.record,
        guard=partial(unless_disconnected, request),
    )
    reply = await pipeline.handle(context, body)
    if not isinstance(reply, Whole):  # embeddings are never streamed
        raise TypeError("an embeddings request got a stream")
    return JSONResponse(reply.body)


def _require_text(body: EmbeddingRequest) -> None:
    """Token ids cannot be classified, so they could not be routed safely."""
    items = [body.input] if isinstance(body.input, str) else body.input
    if not items:
        raise InvalidRequest("'input' must not be empty", param="input")
    if not all(isinstance(item, str) for item in items):
        raise InvalidRequest("token arrays are not supported as 'input'; send text", param="input")
