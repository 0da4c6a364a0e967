"""A controllable OpenAI-compatible upstream on a real socket, for fault injection.

httpx.MockTransport cannot produce a TCP reset or make httpx's own read timeout fire;
this server can. Tests switch `mode` while it runs.

A stream breaks after its first events with a TCP reset (`reset_mid_stream`) or a
clean close (`close_mid_stream`: a FIN, which ends a body that runs until the
connection closes as if it were whole). Streams on /v1/responses are Responses events
(a native backend), others chat chunks.

Three modes stream for the drain, slow-consumer and abandoned-stream tests:
`slow_stream` sends one event, waits until the test calls `release()`, then sends
`slow_events` more (a stream in flight across a SIGTERM, for as long as the test
wants), `hold_stream` sends its headers and no event until `release()`, `flood`
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
    "ok",
    "slow_first_byte",
    "error_500",
    "reset_mid_stream",
    "close_mid_stream",
    "stall",
    "slow_stream",
    "hold_stream",
    "flood",
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


def _responses_event(kind: str, sequence: int, **fields: object) -> bytes:
    body = {"type": kind, "sequence_number": sequence, **fields}
    return f"event: {kind}\ndata: {json.dumps(body)}\n\n".encode()


def _responses_delta(sequence: int, text: str) -> bytes:
    ids = {"item_id": "msg_fault", "output_index": 0, "content_index": 0}
    return _responses_event("response.output_text.delta", sequence, **ids, delta=text)


def _responses_start(model: str) -> bytes:
    response = {"id": "resp_fault", "object": "response", "model": model, "output": []}
    item = {"id": "msg_fault", "type": "message", "role": "assistant", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    ids = {"item_id": "msg_fault", "output_index": 0, "content_index": 0}
    return (
        _responses_event("response.created", 0, response={**response, "status": "in_progress"})
        + _responses_event("response.output_item.added", 1, output_index=0, item=item)
        + _responses_event("response.content_part.added", 2, **ids, part=part)
    )


def _responses_end(model: str) -> bytes:
    text = "".join(f"part{i} " for i in range(EVENTS_BEFORE_FAULT))
    part = {"type": "output_text", "text": text, "annotations": []}
    item = {"id": "msg_fault", "type": "message", "role": "assistant", "content": [part]}
    response = {
        "id": "resp_fault",
        "object": "response",
        "model": model,
        "status": "completed",
        "output": [item],
        "usage": {"input_tokens": 3, "output_tokens": EVENTS_BEFORE_FAULT, "total_tokens": 5},
    }
    return _responses_event("response.completed", 3 + EVENTS_BEFORE_FAULT, response=response)


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
            method, path = lines[0].split(" ")[:2]
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = json.loads(await reader.readexactly(length)) if length else {}
            if method == "GET":
                await self._send(writer, 200, b'{"status": "ready", "in_flight": 0}')
                return
            self.requests += 1
            await self._answer(writer, body, native=path.endswith("/v1/responses"))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if not writer.transport.is_closing():
                writer.close()

    async def _answer(
        self, writer: asyncio.StreamWriter, body: dict[str, object], native: bool = False
    ) -> None:
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
        if mode == "hold_stream":
            await writer.drain()
            await self._gate.wait()
        if mode == "slow_stream":
            writer.write(_chunk(self.model, "first "))
            await writer.drain()
            await self._gate.wait()
            for i in range(self.slow_events):
                writer.write(_chunk(self.model, f"slow{i} "))
                await writer.drain()
        if mode == "flood":
            await self._flood(writer)
        if native:
            writer.write(_responses_start(self.model))
        for i in range(EVENTS_BEFORE_FAULT):
            part = f"part{i} "
            writer.write(_responses_delta(3 + i, part) if native else _chunk(self.model, part))
            await writer.drain()
        if mode == "close_mid_stream":
            writer.close()  # a FIN after whole events: no error on the socket
            return
        if mode == "reset_mid_stream":
            # SO_LINGER with a zero timeout turns close() into a TCP RST.
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if mode == "stall":
            await asyncio.sleep(self.delay_s * 10)
            return
        writer.write(_responses_end(self.model) if native else b"data: [DONE]\n\n")
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
