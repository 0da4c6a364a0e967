"""The gateway's one ASGI layer for what every request shares, outermost first: its
decision id and x-hybridgate-* headers (and the 500 for an unexpected failure, so that
it carries them too), its record (`gateway.middleware.record`), the drain
(`common.drain`) and the body limit (`gateway.middleware.body_limit`); then the fast
path it is given (`Direct`: the app gives it `gateway.api.direct`'s) or the app.

One layer and one per-request `_Exchange`, made once, with one send path: a stack of
middleware cost a coroutine frame and a send closure per layer, per message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.drain import PROBE_PATHS, Drain
from common.errors import Draining, InternalError, ShuttingDown, error_response
from gateway.middleware.body_limit import (
    UNLIMITED_METHODS,
    declared_too_large,
    read_limited,
    replay,
    too_large,
)
from gateway.middleware.decision_headers import new_decision_id, stamp
from gateway.middleware.record import (
    EXEMPT_PATHS,
    Recording,
    audit_refusal,
    finish,
    finish_stream,
    new_record,
)
from gateway.record import RequestRecord
from gateway.request_state import RequestState

log = logging.getLogger(__name__)
# Answers one request whose whole body the front layer has read: (scope, receive,
# send, body, the app for what it gives back).
BodyApp = Callable[[Scope, Receive, Send, bytes, ASGIApp], Awaitable[None]]


class Direct(Protocol):
    """A fast path past the app: what answers a request with its body in hand (a POST
    on a completion route, `gateway.api.direct`), None for one the app answers."""

    def __call__(self, scope: Scope) -> BodyApp | None: ...


class _Exchange:
    """One request's state in the front layer, and the send its app is given: the
    drain's release of the cut, then the record's hold of a whole response until its
    event is written, then the headers."""

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        state: RequestState,
        recording: Recording | None,
        drain: Drain,
    ) -> None:
        self.scope = scope
        self.state = state
        self.receive = receive
        self.record = state.record
        self.recording = recording
        self._drain = drain
        self._send = send
        self.cut: asyncio.Timeout | None = None
        self.started = False  # the response start went to the server
        self.held: Message | None = None
        self.streaming = False
        self.ended = False  # the stream's last body message went out
        self.finished = False  # a whole response's event was written

    async def send_out(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            stamp(message, self.state)
        await self._send(message)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start" and self.cut is not None:
            # Once the response has started the cut belongs to the stream (between
            # events), never to a write in progress.
            self._drain.release(self.cut)
        if self.record is None or self.recording is None:
            await self.send_out(message)
        else:
            await self._send_recorded(message, self.record, self.recording)

    async def _send_recorded(
        self, message: Message, record: RequestRecord, recording: Recording
    ) -> None:
        if message["type"] == "http.response.start":
            self.held = message
            record.status = int(message["status"])
            return
        if message["type"] != "http.response.body" or self.held is None:
            await self.send_out(message)
            return
        if self.streaming or message.get("more_body", False):
            if not self.streaming:
                self.streaming = True
                await self.send_out(self.held)
            await self.send_out(message)
            self.ended = not message.get("more_body", False)
            return
        # A whole response: it leaves only once its event is written.
        self.finished = True
        written = await finish(record, recording, message.get("body", b""))
        if not written and recording.audit.fail_closed:
            record.status = 503
            await audit_refusal()(self.scope, self.receive, self.send_out)
            return
        await self.send_out(self.held)
        await self.send_out(message)


class FrontMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        drain: Drain,
        max_body_bytes: int,
        direct: Direct | None = None,
    ) -> None:
        self.app = app
        self.drain = drain
        self.max_body_bytes = max_body_bytes
        # Requests answered without FastAPI's routing and dependency solving.
        self.direct = direct

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decision_id = new_decision_id()
        state = RequestState(decision_id)
        state.attach(scope)
        path = scope["path"]
        record = recording = None
        if path not in EXEMPT_PATHS:
            record = state.record = new_record(scope, decision_id)
            # None when no lifespan ran (an app built but not started).
            recording = getattr(scope["app"].state, "recording", None)
        exchange = _Exchange(scope, receive, send, state, recording, self.drain)
        try:
            if record is not None and recording is not None:
                with recording.tracing.span(f"{scope['method']} {path}", decision_id):
                    await self._recorded(exchange, receive, record, recording)
            elif path in PROBE_PATHS:
                await self._limited(exchange, receive)
            else:
                await self._drained(exchange, receive)
        except Exception:
            # Answered here rather than by Starlette's outermost error middleware, so
            # that an unexpected failure also carries the decision id to quote.
            if exchange.started:
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            response = error_response(InternalError("internal server error"))
            await response(scope, receive, exchange.send_out)

    async def _recorded(
        self, exchange: _Exchange, receive: Receive, record: RequestRecord, recording: Recording
    ) -> None:
        try:
            if recording.audit.refusing:
                await audit_refusal()(exchange.scope, receive, exchange.send)
            else:
                await self._drained(exchange, receive)
        except BaseException:
            # Unhandled: answered 500 above (or the client went away); either way this
            # request gets its one event.
            if exchange.streaming:
                await finish_stream(record, recording, exchange.ended)
            else:
                if exchange.held is None:
                    record.status, record.error_code = 500, "internal_error"
                await finish(record, recording, None)
            raise
        if exchange.streaming or not exchange.finished:
            # Also a stream whose client left before its first event: its start was
            # held, nothing went out, and it still gets its one event.
            await finish_stream(record, recording, exchange.ended)

    async def _drained(self, exchange: _Exchange, receive: Receive) -> None:
        """Refuses new work while draining, counts what is in flight, and answers 503
        `shutting_down` to a request whose response has not started at the cut."""
        drain, scope = self.drain, exchange.scope
        if drain.draining:
            message = "the server is shutting down; retry on another instance"
            await error_response(Draining(message))(scope, receive, exchange.send)
            return
        async with drain.request():
            cut: asyncio.Timeout | None = None
            try:
                async with drain.cuttable() as cut:
                    exchange.cut = cut
                    await self._limited(exchange, receive)
            except TimeoutError:
                if cut is None or not cut.expired():
                    raise
                exchange.cut = None
                message = "the server shut down before the response was ready"
                await error_response(ShuttingDown(message))(scope, receive, exchange.send)

    async def _limited(self, exchange: _Exchange, receive: Receive) -> None:
        scope = exchange.scope
        if scope["method"] in UNLIMITED_METHODS:
            await self.app(scope, receive, exchange.send)
            return
        body = None
        if not declared_too_large(scope, self.max_body_bytes):
            body = await read_limited(receive, self.max_body_bytes)
        if body is None:
            await error_response(too_large(self.max_body_bytes))(scope, receive, exchange.send)
            return
        answer = self.direct(scope) if self.direct is not None else None
        if answer is not None:
            await answer(scope, receive, exchange.send, body, self.app)
            return
        await self.app(scope, replay(body, receive), exchange.send)
