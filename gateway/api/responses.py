"""POST /v1/responses: parse, refuse what needs stored state, hand to the pipeline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway.api.deps import CallerDep
from gateway.api.reply import run
from gateway.responses.schema import ResponsesRequest, check_supported

router = APIRouter()


@router.post("/v1/responses", response_model=None)
async def responses(
    body: ResponsesRequest, request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    check_supported(body)
    return await run(request, caller, "/v1/responses", body)
