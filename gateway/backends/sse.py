"""Splits an SSE byte stream into whole events, so a broken stream never ends mid-event."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

DONE = b"data: [DONE]\n\n"


async def whole_events(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Re-chunks upstream bytes at event boundaries; each event is passed on at once."""
    pending = b""
    async for chunk in chunks:
        pending += chunk.replace(b"\r\n", b"\n")
        *events, pending = pending.split(b"\n\n")
        for event in events:
            if event.strip():
                yield event + b"\n\n"
    if pending.strip():
        yield pending + b"\n\n"


def error_event(message: str, code: str) -> bytes:
    """An OpenAI-style in-stream error, sent when the upstream breaks after the first byte."""
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": code}}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def cut_short(message: str, code: str) -> bytes:
    """How a chat or text completion stream ends when it is cut: an error event and
    [DONE]."""
    return error_event(message, code) + DONE
