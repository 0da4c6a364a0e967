"""A streamed reply gives its upstream connection back however it ends, and is
audited, also when its client leaves before reading an event: through the whole app
(front layer, fast path, pipeline) to a real upstream socket, with a pool smaller than
the number of clients that leave, so that one connection kept would fail the requests
after them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message

from gateway.api.closing_stream import ClosingStreamingResponse
from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.upstream import FaultyUpstream, faulty_upstream
from tests.gateway.test_app import Recorder
from tests.processes import dev_token

# "model: cloud" routes to the cloud under the default policy (rule caller-asked-for-cloud).
CLOUD = {"model": "cloud", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
POOL = 2  # the cloud backend's max_connections
ABANDONED = 2 * POOL


@pytest.fixture
def cloud() -> Iterator[FaultyUpstream]:
    with faulty_upstream() as server:
        yield server


@pytest.fixture
def client(
    cloud: FaultyUpstream, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, classifiers: Classifiers
) -> Iterator[TestClient]:
    # Without the cloud rules' fallback, a backend out of connections is the caller's 503.
    policy = tmp_path / "no-fallback.yaml"
    policy.write_text(DEFAULT_POLICY.read_text().replace("fallback: edge", "fallback: null"))
    for key, value in {
        "SERVER__STATE_DIR": str(tmp_path),
        "POLICY__FILE": str(policy),
        "BACKENDS__CLOUD__URL": cloud.url,
        "BACKENDS__CLOUD__RETRIES": "0",
        "BACKENDS__CLOUD__MAX_CONNECTIONS": str(POOL),
        "BACKENDS__CLOUD__TIMEOUTS__POOL_S": "1",
    }.items():
        monkeypatch.setenv(f"HYBRIDGATE_{key}", value)
    edge = httpx.MockTransport(Recorder("edge"))
    app = create_app(load_settings(), {"edge": edge}, classifiers)
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {dev_token(tmp_path)}"
        yield test_client


async def leave(app: ASGIApp, cloud: FaultyUpstream, token: str, how: str) -> None:
    """One streamed request from a client that leaves once the cloud has the request,
    before it has read an event. `gone`: under uvicorn (ASGI spec 2.3, Starlette races
    the stream against a wait for the disconnect), the disconnect is there at once;
    `stuck`: the first event's write waits (the client stopped reading), then the
    client disconnects; `write_fails`: a spec 2.4 server fails the first event's write
    with an OSError, as such a server does for a client that is gone."""
    body = json.dumps({**CLOUD, "stream": True}).encode()
    seen = cloud.requests
    read = False
    never = asyncio.Event()
    writing = asyncio.Event()

    async def receive() -> Message:
        nonlocal read
        if not read:
            read = True
            return {"type": "http.request", "body": body, "more_body": False}
        if cloud.requests == seen:
            await never.wait()  # until the waiter is cancelled: the stream is open
        if how == "stuck":
            await writing.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("more_body"):
            if how == "write_fails":
                raise OSError("the client is gone")
            if how == "stuck":
                writing.set()
                await never.wait()

    headers = [
        (b"host", b"testserver"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
    ]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4" if how == "write_fails" else "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    with contextlib.suppress(OSError, ClientDisconnect):
        await app(scope, receive, send)


@pytest.mark.parametrize(
    ("how", "mode"),
    # The cloud answers, then holds the connection open: with no event yet, or after
    # one (for the client to leave while it is written).
    [("gone", "hold_stream"), ("stuck", "slow_stream"), ("write_fails", "slow_stream")],
)
def test_a_stream_left_before_its_first_event_releases_its_connection(
    client: TestClient, cloud: FaultyUpstream, tmp_path: Path, how: str, mode: str
) -> None:
    cloud.mode = mode  # type: ignore[assignment]
    token = client.headers["Authorization"].removeprefix("Bearer ")
    assert client.portal is not None
    for _ in range(ABANDONED):
        client.portal.call(leave, client.app, cloud, token, how)
    assert cloud.requests == ABANDONED
    cloud.mode = "ok"
    cloud.release()
    # More requests than the pool holds were left: each gave its connection back.
    response = client.post("/v1/chat/completions", json=CLOUD)
    assert response.status_code == 200, response.text
    with client.stream("POST", "/v1/chat/completions", json={**CLOUD, "stream": True}) as stream:
        assert stream.status_code == 200
        assert stream.read().endswith(b"data: [DONE]\n\n")
    # And each left request still has its one audit event, saying it was not finished.
    events = [
        e
        for e in iter_events(discover(tmp_path / "audit" / "audit.jsonl"))
        if e["path"] == "/v1/chat/completions"
    ]
    left = [e for e in events if e["stream"] and e["error_code"] == "stream_incomplete"]
    assert len(left) == ABANDONED
    assert len(events) == ABANDONED + 2


class Source:
    """A stream's events and its close, noting what ran."""

    def __init__(self) -> None:
        self.started = self.finalized = self.closed = False

    async def events(self) -> AsyncIterator[bytes]:
        self.started = True
        try:
            while True:
                yield b"data: {}\n\n"
                await asyncio.sleep(0)
        finally:
            self.finalized = True

    async def close(self) -> None:
        self.closed = True


async def gone_at_once() -> Message:
    return {"type": "http.disconnect"}


async def write_fails(message: Message) -> None:
    if message["type"] == "http.response.body":
        raise OSError("the client is gone")


async def test_the_source_is_closed_when_sending_fails_mid_stream() -> None:
    source = Source()
    response = ClosingStreamingResponse(source.events(), source.close)
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}}
    with pytest.raises(ClientDisconnect):
        await response(scope, gone_at_once, write_fails)
    # Starlette left the generator suspended at its first event: closed here.
    assert (source.started, source.finalized, source.closed) == (True, True, True)


async def test_the_source_is_closed_when_the_events_never_start() -> None:
    source = Source()
    response = ClosingStreamingResponse(source.events(), source.close)

    async def cancelled(message: Message) -> None:
        raise asyncio.CancelledError  # the request is cancelled at its first write

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}}
    with pytest.raises(asyncio.CancelledError):
        await response(scope, gone_at_once, cancelled)
    assert (source.started, source.closed) == (False, True)
