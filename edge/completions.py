"""The two completion endpoints of the edge server, streamed and not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from common.disconnect import unless_disconnected
from common.drain import Drain
from common.errors import InternalError, ModelNotFound, OpenAIError
from edge.engine import Delta, Failed, Finished, Prompt, SamplingOptions, Started
from edge.openai_format import Kind, ResponseBuilder, sse
from edge.scheduler import JobHandle, Scheduler
from edge.schemas import ChatCompletionRequest, CompletionRequest, SamplingFields, check_supported

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def get_scheduler(request: Request) -> Scheduler:
    scheduler: Scheduler = request.app.state.scheduler
    return scheduler


SchedulerDep = Annotated[Scheduler, Depends(get_scheduler)]
router = APIRouter()


@router.post("/v1/chat/completions", response_model=None)
async def chat_completions(
    body: ChatCompletionRequest, request: Request, scheduler: SchedulerDep
) -> JSONResponse | StreamingResponse:
    # The template knows system/user/assistant/tool; "developer" is OpenAI's newer "system".
    prompt: Prompt = [
        {"role": "system" if m.role == "developer" else m.role, "content": m.text()}
        for m in body.messages
    ]
    return await _complete("chat", body, prompt, request, scheduler)


@router.post("/v1/completions", response_model=None)
async def completions(
    body: CompletionRequest, request: Request, scheduler: SchedulerDep
) -> JSONResponse | StreamingResponse:
    return await _complete("text", body, body.prompt_text(), request, scheduler)


async def _complete(
    kind: Kind, body: SamplingFields, prompt: Prompt, request: Request, scheduler: Scheduler
) -> JSONResponse | StreamingResponse:
    model_id: str = request.app.state.model_id
    if body.model != model_id:
        raise ModelNotFound(f"The model '{body.model}' does not exist", param="model")
    check_supported(body)
    handle = scheduler.submit(prompt, _options(body, request.app.state.default_max_tokens))
    builder = ResponseBuilder(kind, model_id, include_usage=body.include_usage())
    try:
        # Errors found before the first token (context too long...) get a real status.
        await unless_disconnected(request, _first_event(handle))
        if body.stream:
            drain: Drain = request.app.state.drain
            events = drain.stream(_stream(handle, builder), _shutdown_ending(builder))
            return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
        return JSONResponse(await unless_disconnected(request, _collect(handle, builder)))
    except BaseException:
        handle.cancel()
        raise


def _options(body: SamplingFields, default_max_tokens: int) -> SamplingOptions:
    return SamplingOptions(
        max_tokens=body.token_limit(),
        default_max_tokens=default_max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        stop=body.stop_sequences(),
        seed=body.seed,
        presence_penalty=body.presence_penalty,
        frequency_penalty=body.frequency_penalty,
    )


async def _first_event(handle: JobHandle) -> Started:
    event = await handle.next_event()
    if isinstance(event, Started):
        return event
    raise _as_error(event)


def _as_error(event: object) -> OpenAIError:
    if isinstance(event, Failed) and isinstance(event.error, OpenAIError):
        return event.error
    return InternalError("the edge engine failed to generate")


async def _collect(handle: JobHandle, builder: ResponseBuilder) -> dict[str, Any]:
    parts: list[str] = []
    async for event in handle.events():
        if isinstance(event, Delta):
            parts.append(event.text)
        elif isinstance(event, Finished):
            return builder.complete("".join(parts), event)
    raise _as_error(event)


def _shutdown_ending(builder: ResponseBuilder) -> bytes:
    """How a stream still open at the drain deadline ends."""
    message = "the edge server is shutting down; the stream was cut short"
    return sse(builder.error_event(message, "shutting_down")) + sse("[DONE]")


async def _stream(handle: JobHandle, builder: ResponseBuilder) -> AsyncIterator[bytes]:
    try:
        if builder.kind == "chat":
            yield sse(builder.chunk(first=True))
        async for event in handle.events():
            if isinstance(event, Delta):
                yield sse(builder.chunk(event.text))
            elif isinstance(event, Finished):
                yield sse(builder.chunk(reason=event.finish_reason))
                if builder.include_usage:
                    yield sse(builder.usage_chunk(event))
            elif isinstance(event, Failed):
                error = _as_error(event)
                yield sse(builder.error_event(error.message, error.code or "internal_error"))
        yield sse("[DONE]")
    finally:
        # Runs on normal end and when Starlette cancels us for a client disconnect.
        handle.cancel()
