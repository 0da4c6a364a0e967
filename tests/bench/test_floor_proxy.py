"""The floor proxy of the hot-path benchmark forwards: each body reaches the upstream
unchanged and the upstream's answer comes back, over either client. A floor that
answered without forwarding would make the benchmark's floor figures meaningless."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from bench.floor_proxy import CLIENTS, PATH, FloorProxy, make_forwarder
from bench.stub_upstream import CHAT, StubProtocol


class RecordingStub(StubProtocol):
    """The benchmark's stub, keeping every byte it was sent."""

    def __init__(self, received: list[bytes]) -> None:
        super().__init__()
        self._received = received

    def data_received(self, data: bytes) -> None:
        self._received.append(data)
        super().data_received(data)


@pytest.fixture
async def stub() -> AsyncIterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: RecordingStub(received), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", received


async def call(app: FloorProxy, method: str, path: str, body: bytes = b"") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
        return await client.request(method, path, content=body)


@pytest.mark.parametrize("client", CLIENTS)
async def test_bodies_reach_the_upstream_unchanged_and_its_answer_comes_back(
    stub: tuple[str, list[bytes]], client: str
) -> None:
    url, received = stub
    forwarder = make_forwarder(client, url)
    await forwarder.open()
    try:
        app = FloorProxy(forwarder)
        for content in ("first", "second"):  # the second over the kept-alive connection
            body = json.dumps({"model": "stub", "messages": [{"content": content}]}).encode()
            response = await call(app, "POST", PATH, body)
            assert response.status_code == 200
            assert response.json() == CHAT
            assert response.headers["content-type"] == "application/json"
            assert b"".join(received).endswith(b"\r\n\r\n" + body)
    finally:
        await forwarder.close()
    assert b"".join(received).count(b"POST " + PATH.encode()) == 2


@pytest.mark.parametrize("client", CLIENTS)
async def test_an_unreachable_upstream_is_a_502_and_other_paths_a_404(client: str) -> None:
    forwarder = make_forwarder(client, "http://127.0.0.1:9")  # discard port: refused
    await forwarder.open()
    try:
        app = FloorProxy(forwarder)
        assert (await call(app, "POST", PATH, b"{}")).status_code == 502
        assert (await call(app, "GET", "/v1/models")).status_code == 404
        assert (await call(app, "GET", "/readyz")).status_code == 200
    finally:
        await forwarder.close()
