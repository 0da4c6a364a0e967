"""Responses stream events on the wire: `event: <type>` and `data: <json>`, numbered in
the order they leave, and the one way such a stream ends in failure."""

from __future__ import annotations

import json
from typing import Any


class Emitter:
    """Numbers events from 0 (`sequence_number`) and writes them as SSE."""

    def __init__(self) -> None:
        self.sequence = 0

    def event(self, kind: str, **fields: Any) -> bytes:
        body = {"type": kind, **fields, "sequence_number": self.sequence}
        self.sequence += 1
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        return f"event: {kind}\ndata: {data}\n\n".encode()

    def failure(self, response: dict[str, Any], message: str, code: str) -> bytes:
        """An `error` event and the `response.failed` that ends the stream: the SDK's
        stream iterators yield both, and the failed response carries the error."""
        # The response's error codes are OpenAI's closed list: a gateway or backend
        # failure is a server_error there; the error event carries the precise code.
        error = {"code": "server_error", "message": message}
        failed = {**response, "status": "failed", "error": error}
        return self.event("error", code=code, message=message, param=None) + self.event(
            "response.failed", response=failed
        )


def parse(event: bytes) -> tuple[str | None, Any]:
    """An SSE event's `event:` name and its `data:` JSON (None when it is not JSON:
    `[DONE]`, a comment)."""
    name: str | None = None
    data: list[str] = []
    for line in event.decode("utf-8", "replace").split("\n"):
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    try:
        return name, json.loads("\n".join(data)) if data else None
    except ValueError:
        return name, None
