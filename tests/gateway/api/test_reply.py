"""A streamed reply gives its upstream connection back however the response ends,
also when it ends before its first event: a real upstream on a socket, a pool of one
connection, and Starlette's own StreamingResponse, with a client that is gone before
the first event is read, or the drain's cut coming first."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from starlette.types import Receive

from common.drain import Drain
from gateway.api.reply import streaming_response
from gateway.backends.upstream import Upstream
from gateway.errors import BackendUnavailable
from gateway.pipeline import Streamed
from gateway.record import RequestRecord
from gateway.settings import BackendSettings
from tests.fakes.upstream import FaultyUpstream, faulty_upstream

CHAT = "/v1/chat/completions"
PAYLOAD = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
SCOPE = {"type": "http", "method": "POST", "path": CHAT, "headers": []}


@pytest.fixture
def server() -> Iterator[FaultyUpstream]:
    with faulty_upstream() as upstream:
        # One event, then nothing until released: the connection stays busy until
        # the gateway closes its side.
        upstream.mode = "slow_stream"
        yield upstream
        upstream.release()


def one_connection(url: str) -> Upstream:
    settings = BackendSettings.model_validate(
        {
            "url": url,
            "model": "m",
            "retries": 0,
            "max_connections": 1,
            "timeouts": {"pool_s": 1.0},
        }
    )
    return Upstream("cloud", settings)


async def gone_at_once() -> dict[str, object]:
    # Answers without waiting: Starlette sees the disconnect before its streaming task
    # has run at all, so the events' generators are never started.
    return {"type": "http.disconnect"}


async def nowhere(message: object) -> None:
    return None


async def connected() -> dict[str, object]:
    await asyncio.sleep(3600)  # the client stays; the response ends on its own
    return {"type": "http.disconnect"}


def cut_drain() -> Drain:
    drain = Drain()
    drain.cut()
    return drain


@pytest.mark.parametrize(
    ("receive", "drain"),
    [(gone_at_once, Drain), (connected, cut_drain)],
    ids=["client-gone", "drain-cut"],
)
async def test_a_stream_ended_before_its_first_event_gives_its_connection_back(
    server: FaultyUpstream, receive: Receive, drain: Callable[[], Drain]
) -> None:
    upstream = one_connection(server.url)
    # Alive until the end, as a request's objects may be (reference cycles wait for
    # the collector): the connection must come back when the response is over, not
    # when its objects are freed.
    kept: list[object] = []
    try:
        for _ in range(3):
            opened = await upstream.stream(CHAT, dict(PAYLOAD))
            reply = Streamed(opened.events(), opened.media_type, close=opened.aclose)
            record = RequestRecord("d", "r", "POST", CHAT)
            response = streaming_response(reply, drain(), record)
            await response(SCOPE, receive, nowhere)
            kept.append(response)
        # Had any of them kept its connection, this would wait out the pool and fail.
        opened = await upstream.stream(CHAT, dict(PAYLOAD))
        await opened.aclose()
    except BackendUnavailable as exc:  # the pool timed out: a connection leaked
        pytest.fail(f"the connection was not given back: {exc}")
    finally:
        await upstream.aclose()
