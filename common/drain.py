"""Graceful drain, shared by the gateway and the edge server.

One `Drain` per server process, made by the runner (`gateway.cli.runner`) and handed
to the app, so that the signal handler and the requests see the same state without a
module global. On the first SIGTERM the runner calls `begin()`:

- new requests (all but the probes) get a 503 `draining` with Retry-After, and
  /readyz answers 503, while the listening socket stays open: a load balancer that
  has not yet noticed keeps getting a clean answer instead of a refused connection;
- requests in flight go on until the deadline. Then `cut()` ends them: a stream with
  the ending its endpoint gives (an OpenAI error event and `data: [DONE]`), between
  two events, never inside one; a request whose response has not started with a 503
  `shutting_down`;
- once nothing is in flight the runner lets uvicorn shut down, and the app's lifespan
  closes the audit log.

The cut works with `asyncio.Timeout` scopes around each wait for the next event (and
around a request until its response starts): `cut()` reschedules all of them to now.
A scope is never held across a `send`, so a cut cannot interrupt a write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.errors import Draining, ShuttingDown, error_response

# Probes keep answering while draining: /healthz 200 (do not restart a draining pod),
# /readyz 503 (take it out of the endpoints).
PROBE_PATHS: Final = frozenset({"/healthz", "/readyz"})


class Drain:
    """Whether this server is draining, what is in flight, and the deadline."""

    def __init__(self) -> None:
        self._draining = False
        self._cut = False
        self._cut_at: float | None = None  # loop time of the deadline, once draining
        self._cut_handle: asyncio.TimerHandle | None = None
        self._in_flight = 0
        self._scopes: set[asyncio.Timeout] = set()
        self._changed: asyncio.Event | None = None  # made on the loop, on first use

    @property
    def draining(self) -> bool:
        return self._draining

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def begin(self, timeout_s: float) -> None:
        """Starts draining (on the event loop); requests in flight get `timeout_s`.
        A second call only brings the deadline closer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        self._draining = True
        if self._cut_at is not None and self._cut_at <= deadline:
            return
        self._cut_at = deadline
        if self._cut_handle is not None:
            self._cut_handle.cancel()
        self._cut_handle = loop.call_at(deadline, self.cut)
        self._notify()

    def cut(self) -> None:
        """Ends what is still in flight now (the deadline, or a second signal)."""
        self._draining = True
        self._cut = True
        self._cut_at = asyncio.get_running_loop().time()
        if self._cut_handle is not None:
            self._cut_handle.cancel()
            self._cut_handle = None
        for scope in list(self._scopes):
            scope.reschedule(self._cut_at)
        self._notify()

    async def settled(self) -> None:
        """Returns once draining and either nothing is in flight or the cut is done."""
        while not (self._draining and (self._in_flight == 0 or self._cut)):
            changed = self._event()
            changed.clear()
            await changed.wait()

    async def stream(
        self,
        events: AsyncIterator[bytes],
        ending: bytes | Callable[[], bytes],
        on_cut: Callable[[], None] | None = None,
    ) -> AsyncIterator[bytes]:
        """`events` until they end or the cut; on the cut, `ending` instead of the rest
        (made then, when it is a function: a stream that numbers its events knows the
        next number only then), and `on_cut` is told (so that the request's record says
        it was cut). Only the wait for the next event is cut, so each event goes out
        whole."""
        iterator = aiter(events)
        try:
            while not self._cut:
                try:
                    async with self.cuttable() as scope:
                        event = await anext(iterator)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    if not scope.expired():
                        raise
                    break
                yield event
            if on_cut is not None:
                on_cut()
            yield ending() if callable(ending) else ending
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()

    @contextlib.asynccontextmanager
    async def request(self) -> AsyncIterator[None]:
        """Counts a request as in flight for as long as it runs."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._notify()

    @contextlib.asynccontextmanager
    async def cuttable(self) -> AsyncIterator[asyncio.Timeout]:
        """A scope the cut ends with TimeoutError (`expired()` tells it from others)."""
        # Expires at once after the cut; before it, only when cut() reschedules it.
        async with asyncio.timeout_at(self._cut_at if self._cut else None) as scope:
            # Registered only while entered: a Timeout can be rescheduled only then.
            self._scopes.add(scope)
            try:
                yield scope
            finally:
                self._scopes.discard(scope)

    def release(self, scope: asyncio.Timeout) -> None:
        """Takes a scope out of the cut (its response has started)."""
        self._scopes.discard(scope)
        if scope.expired():
            return
        scope.reschedule(None)

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()


class DrainMiddleware:
    """Refuses new requests while draining, counts those in flight, and answers 503
    `shutting_down` to one whose response has not started when the cut comes (its
    work is cancelled, as on a client disconnect)."""

    def __init__(self, app: ASGIApp, drain: Drain) -> None:
        self.app = app
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBE_PATHS:
            await self.app(scope, receive, send)
            return
        drain = self.drain
        if drain.draining:
            message = "the server is shutting down; retry on another instance"
            await error_response(Draining(message))(scope, receive, send)
            return
        async with drain.request():
            cut: asyncio.Timeout | None = None

            async def send_released(message: Message) -> None:
                # Once the response has started the cut belongs to the stream (between
                # events), never to a write in progress.
                if message["type"] == "http.response.start" and cut is not None:
                    drain.release(cut)
                await send(message)

            try:
                async with drain.cuttable() as cut:
                    await self.app(scope, receive, send_released)
            except TimeoutError:
                if cut is None or not cut.expired():
                    raise
                message = "the server shut down before the response was ready"
                await error_response(ShuttingDown(message))(scope, receive, send)
