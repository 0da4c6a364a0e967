"""POST /v1/chat/completions and /v1/completions: parse, hand to the pipeline, return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from gateway.api.deps import CallerDep
from gateway.api.direct import CHAT, COMPLETIONS, answer
from gateway.api.text_check import READABLE
from gateway.schemas import ChatCompletionRequest, CompletionRequest

router = APIRouter()


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(
    body: Annotated[ChatCompletionRequest, READABLE], request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    return await answer(CHAT, request, caller, body)


@router.post("/v1/completions", response_model=None)
async def completions(
    body: Annotated[CompletionRequest, READABLE], request: Request, caller: CallerDep
) -> JSONResponse | StreamingResponse:
    return await answer(COMPLETIONS, request, caller, body)
