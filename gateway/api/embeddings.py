"""POST /v1/embeddings: classified, decided and recorded like a completion; sensitive
input is embedded on the edge only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway.api.deps import CallerDep
from gateway.api.reply import run
from gateway.context import EMBEDDINGS
from gateway.errors import InvalidRequest
from gateway.schemas import EmbeddingRequest

router = APIRouter()


@router.post("/v1/embeddings", response_model=None)
async def embeddings(
    body: EmbeddingRequest, request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    # The schema allows no `stream: true`, so the reply is always whole.
    require_text(body)
    return await run(request, caller, EMBEDDINGS, body)


def require_text(body: EmbeddingRequest) -> None:
    """Token ids cannot be classified, so they could not be routed safely."""
    items = [body.input] if isinstance(body.input, str) else body.input
    if not items:
        raise InvalidRequest("'input' must not be empty", param="input")
    if not all(isinstance(item, str) for item in items):
        raise InvalidRequest("token arrays are not supported as 'input'; send text", param="input")
