"""A zero-work OpenAI-compatible upstream for the gateway benchmarks: every request is
answered at once with a canned body, so what a gateway in front of it adds is all that
a latency figure through it measures.

Plain asyncio and HTTP/1.1 keep-alive, no framework: the stub must cost less than
anything it is compared with. It understands exactly what the gateways send (a
Content-Length body, no chunked uploads).

    .venv/bin/python -m bench.stub_upstream --port 8100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys

COMPLETION = {
    "id": "cmpl-stub",
    "object": "text_completion",
    "created": 0,
    "model": "stub",
    "choices": [{"index": 0, "text": "Hi", "finish_reason": "length", "logprobs": None}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
CHAT = {
    "id": "chatcmpl-stub",
    "object": "chat.completion",
    "created": 0,
    "model": "stub",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi"},
            "finish_reason": "length",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
# The edge's /readyz shape, so that the gateway sees an idle edge with free slots.
READY = {"status": "ready", "slots_busy": 0, "slots_total": 8, "queue_depth": 0}
MODELS = {"object": "list", "data": [{"id": "stub", "object": "model", "owned_by": "stub"}]}


def _response(body: dict[str, object], status: bytes = b"200 OK") -> bytes:
    data = json.dumps(body).encode()
    head = (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(data)).encode() + b"\r\n\r\n"
    )
    return head + data


ANSWERS = {
    b"/v1/chat/completions": _response(CHAT),
    b"/chat/completions": _response(CHAT),
    b"/v1/completions": _response(COMPLETION),
    b"/completions": _response(COMPLETION),
    b"/readyz": _response(READY),
    b"/healthz": _response({"status": "ok"}),
    b"/v1/models": _response(MODELS),
    b"/models": _response(MODELS),
}
NOT_FOUND = _response({"error": {"message": "not found", "type": "invalid_request_error"}}, b"404")


class StubProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end == -1:
                return
            head = self._buffer[:end]
            length = _content_length(head)
            if len(self._buffer) < end + 4 + length:
                return
            self._buffer = self._buffer[end + 4 + length :]
            target = head.split(b" ", 2)[1].split(b"?", 1)[0]
            assert self._transport is not None
            self._transport.write(ANSWERS.get(target, NOT_FOUND))


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(StubProtocol, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
