"""Runs a uvicorn server that drains on SIGTERM before it stops (see `common.drain`).

uvicorn's own handler closes the listening socket at the first signal and then waits
for open connections: a new request would find the port closed, /readyz could not
say "not ready", and the signal is re-raised at the end, so SIGTERM left a status of
-15. This runner takes SIGINT and SIGTERM itself:

- first signal: the app's `Drain` begins (503 to new work, /readyz 503) with
  `drain_timeout_s` for SIGTERM, or at most `INTERRUPT_DRAIN_S` for SIGINT (Ctrl-C,
  and `hybridgate up` stopping its children, which waits 15 s before SIGKILL);
- once nothing is in flight, or the deadline has cut what was, uvicorn shuts down
  as usual: connections closed, then the lifespan shutdown (audit log flushed);
- a second signal cuts what is in flight at once, then shuts down the same way.

Either way the process exits with status 0 and no traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import uvicorn

from common.drain import Drain
from gateway.cli.uvicorn_compat import SignalsServer

# uvicorn's own logger, so these lines sit with its "Shutting down".
log = logging.getLogger("uvicorn.error")

# Ctrl-C drains for at most this long; open streams are then ended well-formed.
INTERRUPT_DRAIN_S = 5.0
# After the drain, what uvicorn still waits for (a response being written, the audit
# event of a stream that just ended) before it cancels it.
GRACEFUL_SHUTDOWN_S = 5


class DrainingServer(SignalsServer):
    def __init__(self, config: uvicorn.Config, drain: Drain, drain_timeout_s: float) -> None:
        super().__init__(config)
        self.drain = drain
        self.drain_timeout_s = drain_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drainer: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def handling_signals(self) -> Iterator[None]:
        # Replaces uvicorn's, which would shut down at once and re-raise the signal.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self._loop = asyncio.get_running_loop()  # serve() calls this on the loop
        signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        # Runs between two bytecodes of the main thread, possibly inside the loop's
        # select(); call_soon_threadsafe wakes the loop and runs the work on it.
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._signalled, sig)

    def _signalled(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if self.drain.draining or self.should_exit:
            log.info("%s again: ending %d requests in flight now", name, self.drain.in_flight)
            self.drain.cut()
            self.should_exit = True
            return
        timeout = self.drain_timeout_s
        if sig == signal.SIGINT:
            timeout = min(timeout, INTERRUPT_DRAIN_S)
        log.info(
            "%s: draining, %d requests in flight get up to %gs",
            name,
            self.drain.in_flight,
            timeout,
        )
        self.drain.begin(timeout)
        self._drainer = asyncio.get_running_loop().create_task(self._exit_when_settled())

    async def _exit_when_settled(self) -> None:
        await self.drain.settled()
        self.should_exit = True
