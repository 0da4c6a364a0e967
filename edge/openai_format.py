"""Builds OpenAI response bodies and stream chunks for chat and text completions."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from edge.engine import Finished
from edge.logprobs import TokenLogprob, chat_logprobs, text_logprobs
from edge.tool_calls import Arguments, CallStarted, ReaderEvent, Text, ToolCall

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


def finished_reason(finished: Finished, tool_call: ToolCall | None) -> str:
    """ "tool_calls" for a whole call; a call cut by max_tokens stays "length"."""
    if tool_call is not None and tool_call.complete:
        return "tool_calls"
    return _finish(finished.finish_reason)


def tool_call_body(call: ToolCall) -> dict[str, Any]:
    function = {"name": call.name, "arguments": call.arguments}
    return {"id": call.id, "type": "function", "function": function}


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

    def logprobs(self, tokens: Sequence[TokenLogprob] | None, offset: int = 0) -> Any:
        """`choices[].logprobs`: None when not asked for (`tokens` None)."""
        if tokens is None:
            return None
        return chat_logprobs(tokens) if self.kind == "chat" else text_logprobs(tokens, offset)

    def complete(
        self,
        text: str | None,
        finished: Finished,
        *,
        tool_call: ToolCall | None = None,
        logprobs: Sequence[TokenLogprob] | None = None,
    ) -> dict[str, Any]:
        reason = finished_reason(finished, tool_call)
        choice: dict[str, Any] = {
            "index": 0,
            "logprobs": self.logprobs(logprobs),
            "finish_reason": reason,
        }
        if self.kind == "chat":
            message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
            if tool_call is not None:
                message["tool_calls"] = [tool_call_body(tool_call)]
            choice["message"] = message
        else:
            choice["text"] = text or ""
        body = self._envelope(self._object, [choice])
        body["usage"] = usage(finished)
        return body

    def chunk(
        self,
        text: str | None = None,
        *,
        first: bool = False,
        reason: str | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        logprobs: Any = None,
        first_content: str | None = "",
    ) -> dict[str, Any]:
        """One stream chunk. `first_content` is the opening chunk's content: "" for a
        text answer, None when the answer may be a tool call, as OpenAI sends them."""
        choice: dict[str, Any] = {"index": 0, "logprobs": logprobs}
        choice["finish_reason"] = _finish(reason) if reason else None
        if self.kind == "chat":
            delta: dict[str, Any] = {"role": "assistant", "content": first_content} if first else {}
            if text is not None:
                delta["content"] = text
            if tool_calls is not None:
                delta["tool_calls"] = tool_calls
            choice["delta"] = delta
            obj = "chat.completion.chunk"
        else:
            choice["text"] = text or ""
            obj = "text_completion"
        body = self._envelope(obj, [choice])
        if self.include_usage:
            body["usage"] = None
        return body

    def reader_chunk(self, event: ReaderEvent, logprobs: Any = None) -> dict[str, Any]:
        """The chunk for what a ToolCallReader read: content, or a tool-call delta in
        the shape the official SDKs accumulate (id, type and name first, then
        argument fragments, all at index 0)."""
        if isinstance(event, Text):
            return self.chunk(event.text, logprobs=logprobs)
        if isinstance(event, CallStarted):
            function = {"name": event.name, "arguments": ""}
            call = {"index": 0, "id": event.id, "type": "function", "function": function}
            return self.chunk(tool_calls=[call], logprobs=logprobs)
        assert isinstance(event, Arguments)
        call = {"index": 0, "function": {"arguments": event.fragment}}
        return self.chunk(tool_calls=[call], logprobs=logprobs)

    def usage_chunk(self, finished: Finished) -> dict[str, Any]:
        obj = "chat.completion.chunk" if self.kind == "chat" else "text_completion"
        body = self._envelope(obj, [])
        body["usage"] = usage(finished)
        return body

    def error_event(self, message: str, code: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": "server_error", "param": None, "code": code}}
