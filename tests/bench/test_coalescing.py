"""The coalescing transport of the backend-hop benchmark: a request's writes go out as
one, and requests of any size still reach a real server whole."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpcore
import httpx
import pytest

from bench.coalescing import FLUSH_BYTES, CoalescingTransport, _CoalescingStream


class RecordingStream(httpcore.AsyncNetworkStream):
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self.writes.append(buffer)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return b"answer"

    async def aclose(self) -> None:
        self.closed = True

    def get_extra_info(self, info: str) -> Any:
        return f"info:{info}"


async def test_writes_wait_for_the_next_read_and_go_out_as_one() -> None:
    inner = RecordingStream()
    stream = _CoalescingStream(inner)
    await stream.write(b"POST / HTTP/1.1\r\n\r\n")
    await stream.write(b"")
    await stream.write(b"{}")
    assert inner.writes == []
    assert await stream.read(100) == b"answer"
    assert inner.writes == [b"POST / HTTP/1.1\r\n\r\n{}"]
    await stream.read(100)
    assert len(inner.writes) == 1  # nothing new to send
    assert stream.get_extra_info("is_readable") == "info:is_readable"


async def test_a_large_body_is_not_held_back_whole() -> None:
    inner = RecordingStream()
    stream = _CoalescingStream(inner)
    await stream.write(b"x" * (FLUSH_BYTES - 1))
    assert inner.writes == []
    await stream.write(b"y")
    assert [len(w) for w in inner.writes] == [FLUSH_BYTES]


async def test_closing_drops_what_was_never_sent() -> None:
    inner = RecordingStream()
    stream = _CoalescingStream(inner)
    await stream.write(b"abandoned")
    await stream.aclose()
    assert inner.writes == []
    assert inner.closed


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """An HTTP/1.1 server that answers each request with the size of its body."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            body = await reader.readexactly(length)
            answer = json.dumps({"received": len(body)}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(answer)}\r\n\r\n".encode()
                + answer
            )
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("size", [0, 10, FLUSH_BYTES * 3 + 7])
async def test_requests_reach_a_real_server_whole(echo_server: str, size: int) -> None:
    transport = CoalescingTransport(verify=True, limits=httpx.Limits(max_connections=2))
    async with httpx.AsyncClient(base_url=echo_server, transport=transport) as client:
        for _ in range(3):  # over one kept-alive connection
            response = await client.post("/", content=b"z" * size)
            assert response.json() == {"received": size}
