"""A backend for in-process gateway tests that records every request it is sent and
answers like an OpenAI server (chat, text completion, streamed or not). Given
`tool_call`, a chat request that offers tools is answered with a call to its first
tool; on /v1/responses it answers like a native Responses backend."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

USAGE = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}


@dataclass
class RecordingBackend:
    model: str = "recorded"
    bodies: list[dict[str, Any]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    headers: list[httpx.Headers] = field(default_factory=list)
    urls: list[httpx.URL] = field(default_factory=list)
    # The arguments of the call made when a chat request offers tools; None: text.
    tool_call: str | None = None
    answer: str = "ok"

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
        if request.url.path.endswith("/v1/responses"):
            return self._responses(body)
        if "prompt" in body:
            return self._text_completion(body)
        calls = self._calls(body)
        if body.get("stream"):
            delta: dict[str, Any] = {"content": self.answer}
            if calls:
                delta = {"tool_calls": [{"index": 0, **call} for call in calls]}
            finish = "tool_calls" if calls else "stop"
            chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return _sse([chunk])
        message: dict[str, Any] = {"role": "assistant", "content": None if calls else self.answer}
        if calls:
            message["tool_calls"] = calls
        finish = "tool_calls" if calls else "stop"
        return httpx.Response(
            200,
            json={
                "model": body.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": USAGE,
            },
        )

    def _calls(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        tools = body.get("tools")
        if self.tool_call is None or not tools:
            return []
        name = tools[0]["function"]["name"]
        function = {"name": name, "arguments": self.tool_call}
        return [{"id": "call_recorded", "type": "function", "function": function}]

    def _text_completion(self, body: dict[str, Any]) -> httpx.Response:
        if body.get("stream"):
            return _sse([{"choices": [{"index": 0, "text": self.answer, "finish_reason": "stop"}]}])
        return httpx.Response(
            200,
            json={
                "model": body.get("model"),
                "choices": [{"index": 0, "text": self.answer, "finish_reason": "stop"}],
                "usage": USAGE,
            },
        )

    def _responses(self, body: dict[str, Any]) -> httpx.Response:
        """A native Responses backend: one message item with the answer."""
        usage = {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4}
        message = {
            "id": "msg_recorded",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": self.answer, "annotations": []}],
        }
        response = {
            "id": "resp_recorded",
            "object": "response",
            "created_at": 0,
            "model": body.get("model"),
            "status": "completed",
            "output": [message],
            "usage": usage,
        }
        if not body.get("stream"):
            return httpx.Response(200, json=response)
        started = {**response, "status": "in_progress", "output": [], "usage": None}
        ids = {"item_id": "msg_recorded", "output_index": 0, "content_index": 0}
        events = [
            {"type": "response.created", "response": started},
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**message, "content": []},
            },
            {"type": "response.content_part.added", **ids, "part": message["content"][0]},
            {"type": "response.output_text.delta", **ids, "delta": self.answer},
            {"type": "response.output_text.done", **ids, "text": self.answer},
            {"type": "response.output_item.done", "output_index": 0, "item": message},
            {"type": "response.completed", "response": response},
        ]
        sse = "".join(
            f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': i})}\n\n"
            for i, e in enumerate(events)
        )
        return httpx.Response(
            200, content=sse.encode(), headers={"content-type": "text/event-stream"}
        )

    def received_text(self) -> str:
        """Everything the backend was sent, as one string (JSON escapes undone)."""
        return "\n".join(json.dumps(b, ensure_ascii=False) for b in self.bodies)


def _sse(chunks: list[dict[str, Any]]) -> httpx.Response:
    sse = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, content=sse.encode(), headers={"content-type": "text/event-stream"})
