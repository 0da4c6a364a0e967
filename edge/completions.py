"""The two completion endpoints of the edge server, streamed and not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse

from common.disconnect import unless_disconnected
from common.drain import Drain
from common.errors import InternalError, ModelNotFound, OpenAIError
from edge.constraints import Constraint, constraint_for
from edge.engine import Delta, Failed, Finished, Prompt, SamplingOptions, Started
from edge.logprobs import TokenLogprob
from edge.openai_format import Kind, ResponseBuilder, finished_reason, sse
from edge.scheduler import JobHandle, Scheduler
from edge.schemas import ChatCompletionRequest, CompletionRequest, SamplingFields, check_supported
from edge.tool_calls import ToolCall, ToolCallReader
from edge.tool_prompt import render_messages

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
    _check(body, request)
    constraint = constraint_for(body, request.app.state.grammar_cache)
    prompt: Prompt = render_messages(body.messages, constraint.instructions)
    return await _complete("chat", body, prompt, request, scheduler, constraint)


@router.post("/v1/completions", response_model=None)
async def completions(
    body: CompletionRequest, request: Request, scheduler: SchedulerDep
) -> JSONResponse | StreamingResponse:
    _check(body, request)
    return await _complete("text", body, body.prompt_text(), request, scheduler, Constraint())


def _check(body: SamplingFields, request: Request) -> None:
    model_id: str = request.app.state.model_id
    if body.model != model_id:
        raise ModelNotFound(f"The model '{body.model}' does not exist", param="model")
    check_supported(body)


async def _complete(
    kind: Kind,
    body: SamplingFields,
    prompt: Prompt,
    request: Request,
    scheduler: Scheduler,
    constraint: Constraint,
) -> JSONResponse | StreamingResponse:
    options = _options(body, request.app.state.default_max_tokens, constraint)
    handle = scheduler.submit(prompt, options)
    builder = ResponseBuilder(kind, request.app.state.model_id, include_usage=body.include_usage())
    shape = _Shape(constraint.tool_mode != "none", options.logprobs is not None)
    try:
        # Errors found before the first token (context too long...) get a real status.
        await unless_disconnected(request, _first_event(handle))
        if body.stream:
            drain: Drain = request.app.state.drain
            events = drain.stream(_stream(handle, builder, shape), _shutdown_ending(builder))
            return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
        return JSONResponse(await unless_disconnected(request, _collect(handle, builder, shape)))
    except BaseException:
        handle.cancel()
        raise


@dataclass(frozen=True)
class _Shape:
    """How the generated text becomes the answer."""

    tools: bool  # the text may be a tool call, read by a ToolCallReader
    logprobs: bool


def _options(
    body: SamplingFields, default_max_tokens: int, constraint: Constraint
) -> SamplingOptions:
    return SamplingOptions(
        max_tokens=body.token_limit(),
        default_max_tokens=default_max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        stop=body.stop_sequences(),
        seed=body.seed,
        presence_penalty=body.presence_penalty,
        frequency_penalty=body.frequency_penalty,
        grammar=constraint.grammar,
        logprobs=body.top_logprobs_count(),
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


async def _collect(handle: JobHandle, builder: ResponseBuilder, shape: _Shape) -> dict[str, Any]:
    parts: list[str] = []
    tokens: list[TokenLogprob] = []
    async for event in handle.events():
        if isinstance(event, Delta):
            parts.append(event.text)
            tokens.extend(event.logprobs)
        elif isinstance(event, Finished):
            text, call = "".join(parts), None
            if shape.tools:
                reader = ToolCallReader()
                reader.feed(text)
                call = reader.finish()[1]
            logprobs = tokens if shape.logprobs else None
            content = None if call is not None else text
            return builder.complete(content, event, tool_call=call, logprobs=logprobs)
    raise _as_error(event)


def _delta_chunks(
    builder: ResponseBuilder, reader: ToolCallReader | None, text: str, logprobs: Any
) -> list[dict[str, Any]]:
    """The chunks for one Delta; its logprobs ride on the first (on an empty chunk
    when the reader holds all of its text back)."""
    if reader is None:
        return [builder.chunk(text, logprobs=logprobs)]
    chunks = [builder.reader_chunk(item) for item in reader.feed(text)]
    if logprobs is not None:
        if chunks:
            chunks[0]["choices"][0]["logprobs"] = logprobs
        else:
            chunks.append(builder.chunk(logprobs=logprobs))
    return chunks


def _shutdown_ending(builder: ResponseBuilder) -> bytes:
    """How a stream still open at the drain deadline ends."""
    message = "the edge server is shutting down; the stream was cut short"
    return sse(builder.error_event(message, "shutting_down")) + sse("[DONE]")


async def _stream(
    handle: JobHandle, builder: ResponseBuilder, shape: _Shape
) -> AsyncIterator[bytes]:
    reader = ToolCallReader() if shape.tools else None
    offset = 0  # characters sent so far: text completions' logprobs offsets
    try:
        if builder.kind == "chat":
            yield sse(builder.chunk(first=True, first_content=None if reader else ""))
        async for event in handle.events():
            if isinstance(event, Delta):
                logprobs = builder.logprobs(event.logprobs, offset) if shape.logprobs else None
                offset += len(event.text)
                for chunk in _delta_chunks(builder, reader, event.text, logprobs):
                    yield sse(chunk)
            elif isinstance(event, Finished):
                call: ToolCall | None = None
                if reader is not None:
                    rest, call = reader.finish()
                    for item in rest:
                        yield sse(builder.reader_chunk(item))
                yield sse(builder.chunk(reason=finished_reason(event, call)))
                if builder.include_usage:
                    yield sse(builder.usage_chunk(event))
            elif isinstance(event, Failed):
                error = _as_error(event)
                yield sse(builder.error_event(error.message, error.code or "internal_error"))
        yield sse("[DONE]")
    finally:
        # Runs on normal end and when Starlette cancels us for a client disconnect.
        handle.cancel()
