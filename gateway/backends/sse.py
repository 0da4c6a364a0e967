"""Splits an SSE byte stream into whole events, so a broken stream never ends mid-event."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

DONE = b"data: [DONE]\n\n"
# The events a Responses stream ends with (it has no [DONE]).
FINAL_RESPONSES_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})


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


def ends_stream(event: bytes) -> bool:
    """Whether an event is one a stream ends with: chat's and completions' [DONE], a
    Responses stream's final event, or the backend's own error. A body that ends after
    any other was cut short, even where the connection closed cleanly."""
    if event.startswith(DONE):
        return True
    data = b"\n".join(line[5:] for line in event.split(b"\n") if line.startswith(b"data:"))
    try:
        body = json.loads(data)
    except ValueError:
        return data.strip() == b"[DONE]"
    if not isinstance(body, dict):
        return False
    kind = body.get("type")
    return kind in FINAL_RESPONSES_EVENTS or kind == "error" or isinstance(body.get("error"), dict)


def error_event(message: str, code: str) -> bytes:
    """An OpenAI-style in-stream error, sent when the upstream breaks after the first byte."""
    body = {"error": {"message": message, "type": "server_error", "param": None, "code": code}}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def cut_short(message: str, code: str) -> bytes:
    """How a chat or text completion stream ends when it is cut: an error event and
    [DONE]."""
    return error_event(message, code) + DONE
