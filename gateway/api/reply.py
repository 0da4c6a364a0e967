"""What every completion router does once its body is parsed: run it through the
pipeline and return the answer, whole or streamed."""

from __future__ import annotations

from functools import partial

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse

from common.disconnect import unless_disconnected
from common.drain import Drain
from gateway.api.closing_stream import ClosingStreamingResponse
from gateway.auth.authenticator import Caller
from gateway.context import Endpoint, RequestContext
from gateway.pipeline import Body, Pipeline, Streamed, Whole
from gateway.record import RequestRecord
from gateway.request_state import request_state

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# How a stream still open at the drain deadline ends.
SHUTDOWN_MESSAGE = "the gateway is shutting down; the stream was cut short"


async def run(
    request: Request, caller: Caller, endpoint: Endpoint, body: Body
) -> JSONResponse | StreamingResponse:
    # Read here rather than as a dependency: one dependency (the caller) to solve per
    # request instead of two.
    pipeline: Pipeline = request.app.state.pipeline
    state = request_state(request.scope)
    context = RequestContext(
        decision_id=state.decision_id,
        endpoint=endpoint,
        caller=caller,
        record=state.recorded(),
        guard=partial(unless_disconnected, request),
    )
    reply = await pipeline.handle(context, body)
    if isinstance(reply, Whole):
        return JSONResponse(reply.body)
    drain: Drain = request.app.state.drain
    return streaming_response(reply, drain, context.record)


def streaming_response(reply: Streamed, drain: Drain, record: RequestRecord) -> StreamingResponse:
    """The streamed reply as Starlette sends it: cut by the drain, and its upstream
    connection given back when the response is over, however it ended (a response
    cancelled before its first event never starts the events' generators, so their
    own `finally` never runs)."""

    def cut() -> None:  # the audit event says the shutdown ended this stream
        record.error_code = "shutting_down"

    ending = partial(reply.ending, SHUTDOWN_MESSAGE, "shutting_down")
    events = drain.stream(reply.events, ending, on_cut=cut)
    return ClosingStreamingResponse(
        events, reply.close, media_type=reply.media_type, headers=SSE_HEADERS
    )
