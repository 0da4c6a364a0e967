"""What one completion request carries through the pipeline, made once by its router.

Everything the pipeline needs from HTTP is here, so the pipeline runs without ASGI:
the caller authenticated, the record it writes the outcome to, and a guard that
abandons work when the client goes away.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from gateway.auth.authenticator import Caller
from gateway.record import RequestRecord

T = TypeVar("T")
Endpoint = Literal["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/embeddings"]
EMBEDDINGS: Endpoint = "/v1/embeddings"


class Guard(Protocol):
    """Awaits `work` unless the client disconnects first (then cancels it and raises
    ClientDisconnected). Streams need no guard: Starlette cancels their iterator."""

    async def __call__(self, work: Awaitable[T], /) -> T: ...


async def unguarded(work: Awaitable[T], /) -> T:
    """For callers with no client connection to watch (tests, tools)."""
    return await work


@dataclass(frozen=True)
class RequestContext:
    decision_id: str
    endpoint: Endpoint
    caller: Caller
    # The request's one record: the pipeline writes the decision, route and usage into
    # it; the record stage (middleware) turns it into the audit event and metrics.
    record: RequestRecord
    guard: Guard = unguarded
