"""A backend for in-process gateway tests that records every request it is sent and
answers like an OpenAI server (chat, text completion, streamed or not)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class RecordingBackend:
    model: str = "recorded"
    bodies: list[dict[str, Any]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    headers: list[httpx.Headers] = field(default_factory=list)
    urls: list[httpx.URL] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"status": "ready", "in_flight": 0})
        self.raw.append(request.content)
        self.headers.append(request.headers)
        self.urls.append(request.url)
        body = json.loads(request.content)
        self.bodies.append(body)
        text_completion = "prompt" in body
        if body.get("stream"):
            piece = {"text": "ok"} if text_completion else {"delta": {"content": "ok"}}
            chunk = {"choices": [{"index": 0, **piece, "finish_reason": "stop"}]}
            sse = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n"
            return httpx.Response(
                200, content=sse.encode(), headers={"content-type": "text/event-stream"}
            )
        answer: dict[str, Any] = (
            {"text": "ok"}
            if text_completion
            else {"message": {"role": "assistant", "content": "ok"}}
        )
        return httpx.Response(
            200,
            json={
                "model": body.get("model"),
                "choices": [{"index": 0, **answer, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
            },
        )

    def received_text(self) -> str:
        """Everything the backend was sent, as one string (JSON escapes undone)."""
        return "\n".join(json.dumps(b, ensure_ascii=False) for b in self.bodies)
