"""Cancels work when the HTTP client goes away, for responses that are not streamed.

Streaming responses need no help: Starlette cancels their body iterator on disconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request

from common.errors import ClientDisconnected

T = TypeVar("T")


async def _wait_for_disconnect(request: Request) -> None:
    # The body has been read already, so the next message can only be the disconnect.
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T:
    """Awaits `work` in the calling task, which a watcher cancels if the client
    disconnects first: one task per request (the watcher) instead of a task for the
    work as well and an `asyncio.wait` over the two."""
    current = asyncio.current_task()
    assert current is not None  # called from a coroutine
    gone = False
    waiting = True

    def on_watcher_done(watcher: asyncio.Future[None]) -> None:
        nonlocal gone
        # `waiting`: a watcher that ended in the same turn as the work runs this a
        # turn later, when the task has moved on; it must not be cancelled then.
        if waiting and not watcher.cancelled():
            gone = True
            current.cancel()

    watcher = asyncio.ensure_future(_wait_for_disconnect(request))
    watcher.add_done_callback(on_watcher_done)
    try:
        return await work
    except asyncio.CancelledError:
        # Only the watcher's own cancel becomes the 499; a cancel from elsewhere (the
        # drain's cut, the server) stays a cancel.
        if gone and current.uncancel() == 0:
            raise ClientDisconnected("the client closed the connection") from None
        raise
    finally:
        waiting = False
        watcher.cancel()
