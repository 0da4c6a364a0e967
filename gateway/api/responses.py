"""POST /v1/responses: parse, refuse what needs stored state, hand to the pipeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway.api.deps import CallerDep
from gateway.api.direct import RESPONSES, answer
from gateway.api.text_check import READABLE
from gateway.responses.schema import ResponsesRequest

router = APIRouter()


@router.post("/v1/responses", response_model=None)
async def responses(
    body: Annotated[ResponsesRequest, READABLE], request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    # Refuses what needs stored state (gateway.responses.schema.check_supported).
    return await answer(RESPONSES, request, caller, body)
