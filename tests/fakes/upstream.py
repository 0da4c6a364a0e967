"""A controllable OpenAI-compatible upstream on a real socket, for fault injection.

httpx.MockTransport cannot produce a TCP reset or make httpx's own read timeout fire;
this server can. Tests switch `mode` while it runs.

Two modes stream for the drain and slow-consumer tests: `slow_stream` sends one
event, waits until the test calls `release()`, then sends `slow_events` more (a stream
in flight across a SIGTERM, for as long as the test wants), `flood`
sends `flood_bytes` of events as fast as the socket takes them and counts in
`flood_written` the bytes the socket has accepted (the kernel's buffers plus what
the gateway has read).
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

Mode = Literal[
    "ok", "slow_first_byte", "error_500", "reset_mid_stream", "stall", "slow_stream", "flood"
]
EVENTS_BEFORE_FAULT = 2


def _chunk(model: str, text: str) -> bytes:
    body = {
        "id": "chatcmpl-fault",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def _completion(model: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-fault",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "fine"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
        }
    ).encode()


class FaultyUpstream:
    def __init__(self, model: str = "fault-cloud", delay_s: float = 5.0) -> None:
        self.model = model
        self.delay_s = delay_s
        self.mode: Mode = "ok"
        self.requests = 0
        self.slow_events = 5
        self.flood_bytes = 50 * 1024 * 1024
        self.flood_written = 0
        self.flood_done = False
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._stopping: asyncio.Event
        self._gate: asyncio.Event
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._stopping = asyncio.Event()
        self._gate = asyncio.Event()
        self._ready.set()
        await self._stopping.wait()
        server.close()
        # Handlers still sleeping (stall, slow first byte) end here, not with the loop.
        handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def release(self) -> None:
        """Lets `slow_stream` responses waiting after their first event go on."""
        self._loop.call_soon_threadsafe(self._gate.set)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method = lines[0].split(" ", 1)[0]
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = json.loads(await reader.readexactly(length)) if length else {}
            if method == "GET":
                await self._send(writer, 200, b'{"status": "ready", "in_flight": 0}')
                return
            self.requests += 1
            await self._answer(writer, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if not writer.transport.is_closing():
                writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, body: dict[str, object]) -> None:
        mode = self.mode
        if mode == "slow_first_byte":
            await asyncio.sleep(self.delay_s)
        if mode == "error_500":
            error = {"error": {"message": "boom", "type": "server_error", "code": None}}
            await self._send(writer, 500, json.dumps(error).encode())
            return
        if not body.get("stream"):
            await self._send(writer, 200, _completion(self.model))
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
        )
        if mode == "slow_stream":
            writer.write(_chunk(self.model, "first "))
            await writer.drain()
            await self._gate.wait()
            for i in range(self.slow_events):
                writer.write(_chunk(self.model, f"slow{i} "))
                await writer.drain()
        if mode == "flood":
            await self._flood(writer)
        for i in range(EVENTS_BEFORE_FAULT):
            writer.write(_chunk(self.model, f"part{i} "))
            await writer.drain()
        if mode == "reset_mid_stream":
            # SO_LINGER with a zero timeout turns close() into a TCP RST.
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if mode == "stall":
            await asyncio.sleep(self.delay_s * 10)
            return
        writer.write(b"data: [DONE]\n\n")
        await writer.drain()

    async def _flood(self, writer: asyncio.StreamWriter) -> None:
        # drain() returns once the transport's buffer is below its high-water mark
        # (64 KiB), so flood_written runs at most that far ahead of the socket.
        writer.transport.set_write_buffer_limits(high=0)
        event = _chunk(self.model, "x" * 4000)
        while self.flood_written < self.flood_bytes:
            writer.write(event)
            await writer.drain()
            self.flood_written += len(event)
        self.flood_done = True

    async def _send(self, writer: asyncio.StreamWriter, status: int, payload: bytes) -> None:
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
            f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()


@contextmanager
def faulty_upstream(**kwargs: object) -> Iterator[FaultyUpstream]:
    server = FaultyUpstream(**kwargs)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()
