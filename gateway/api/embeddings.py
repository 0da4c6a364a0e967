"""POST /v1/embeddings: classified, decided and recorded like a completion; sensitive
input is embedded on the edge only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway.api.deps import CallerDep
from gateway.api.direct import EMBEDDING, answer
from gateway.api.text_check import READABLE
from gateway.schemas import EmbeddingRequest

router = APIRouter()


@router.post("/v1/embeddings", response_model=None)
async def embeddings(
    body: Annotated[EmbeddingRequest, READABLE], request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    # The schema allows no `stream: true`, so the reply is always whole; token ids
    # are refused (gateway.api.direct.require_text).
    return await answer(EMBEDDING, request, caller, body)
