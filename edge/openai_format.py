"""Builds OpenAI response bodies and stream chunks for chat and text completions."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from edge.engine import Finished

Kind = Literal["chat", "text"]


def usage(finished: Finished) -> dict[str, Any]:
    return {
        "prompt_tokens": finished.prompt_tokens,
        "completion_tokens": finished.completion_tokens,
        "total_tokens": finished.prompt_tokens + finished.completion_tokens,
        # OpenAI's field for prompt-cache hits; here, KV-cache prefix reuse.
        "prompt_tokens_details": {"cached_tokens": finished.cached_tokens},
        # Not OpenAI's: how long the request waited for the decode slot. The gateway
        # records it as the queue latency; OpenAI clients ignore unknown fields.
        "queue_time_ms": round(finished.queue_s * 1000, 3),
    }


def sse(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


def _finish(reason: str) -> str:
    # A cancelled job never reaches a client; "length" is the honest closest word.
    return "length" if reason == "cancelled" else reason


@dataclass
class ResponseBuilder:
    """One per request, so that every chunk shares its id and timestamp."""

    kind: Kind
    model: str
    include_usage: bool = False
    id: str = ""
    created: int = field(default_factory=lambda: int(time.time()))

    def __post_init__(self) -> None:
        prefix = "chatcmpl" if self.kind == "chat" else "cmpl"
        self.id = self.id or f"{prefix}-{uuid.uuid4().hex}"

    @property
    def _object(self) -> str:
        return "chat.completion" if self.kind == "chat" else "text_completion"

    def _envelope(self, obj: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": obj,
            "created": self.created,
            "model": self.model,
            "choices": choices,
        }

    def complete(self, text: str, finished: Finished) -> dict[str, Any]:
        reason = finished.finish_reason
        choice: dict[str, Any] = {"index": 0, "logprobs": None, "finish_reason": _finish(reason)}
        if self.kind == "chat":
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        body = self._envelope(self._object, [choice])
        body["usage"] = usage(finished)
        return body

    def chunk(
        self, text: str | None = None, *, first: bool = False, reason: str | None = None
    ) -> dict[str, Any]:
        choice: dict[str, Any] = {"index": 0, "logprobs": None}
        choice["finish_reason"] = _finish(reason) if reason else None
        if self.kind == "chat":
            delta: dict[str, Any] = {"role": "assistant", "content": ""} if first else {}
            if text is not None:
                delta["content"] = text
            choice["delta"] = delta
            obj = "chat.completion.chunk"
        else:
            choice["text"] = text or ""
            obj = "text_completion"
        body = self._envelope(obj, [choice])
        if self.include_usage:
            body["usage"] = None
        return body

    def usage_chunk(self, finished: Finished) -> dict[str, Any]:
        obj = "chat.completion.chunk" if self.kind == "chat" else "text_completion"
        body = self._envelope(obj, [])
        body["usage"] = usage(finished)
        return body

    def error_event(self, message: str, code: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": "server_error", "param": None, "code": code}}
