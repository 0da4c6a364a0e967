"""A streamed response that lets go of what feeds it however its sending ends.

Starlette closes a stream's body iterator only when it runs to its end, and runs a
background task only after a response that did not raise. A client that leaves while
an event is being written (a send cancelled under uvicorn, an OSError from an ASGI
spec 2.4 server) leaves the iterator suspended, and with it the backend's pooled
connection, until the garbage collector finalizes it; a response cancelled before its
first event never starts the iterator, so its `finally` never runs. This response
closes both itself, whichever way `__call__` ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Mapping

from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class ClosingStreamingResponse(StreamingResponse):
    def __init__(
        self,
        content: AsyncIterable[bytes],
        close: Callable[[], Awaitable[None]],
        media_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(content, media_type=media_type, headers=headers)
        self._close = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # The iterator first, so that its own ending runs (the drain's, the
            # upstream's); then `close`, for a source it never started reading.
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()
            await self._close()
