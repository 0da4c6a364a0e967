"""A chat-completions stream as a Responses stream: each chat chunk becomes the
Responses events it stands for, in the order the SDK's stream helpers accumulate them
(output item, content part, deltas, done events, then response.completed)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from gateway.responses.events import Emitter, parse
from gateway.responses.from_chat import (
    INCOMPLETE,
    envelope,
    function_call_item,
    message_item,
    new_id,
    usage,
)

Restore = Callable[[Any], Any]


class ChatToResponses:
    """One stream's translation. `request` is the Responses body the backend was sent
    (echoed in the response object), `restore` puts redacted values back into it."""

    def __init__(self, request: dict[str, Any], restore: Restore | None = None) -> None:
        self._request = request
        self._restore = restore or (lambda value: value)
        self._emit = Emitter()
        self._id = new_id("resp")
        self._created = int(time.time())
        self._model = request.get("model")
        self._items: list[dict[str, Any]] = []
        self._text: int | None = None  # output index of the open message item
        self._calls: dict[int, int] = {}  # chat tool-call index -> output index
        self._open_call: int | None = None
        self._finish: str | None = None
        self._usage: dict[str, Any] | None = None
        self._ended = False

    async def events(self, chat: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        yield self._started()
        async for event in chat:
            if self._ended:
                continue  # the [DONE] after an error
            out = self._translate(event)
            if out:
                yield out
        if not self._ended:
            yield self._completed()

    def failure(self, message: str, code: str) -> bytes:
        """How this stream ends when it is cut (an upstream break, the drain)."""
        self._ended = True
        return self._emit.failure(self._response("failed"), message, code)

    def _response(self, status: str) -> dict[str, Any]:
        body = envelope(
            self._request,
            model=self._model,
            status=status,
            output=self._items if status != "in_progress" else [],
            usage=usage(self._usage),
            finish_reason=self._finish,
            response_id=self._id,
            created_at=self._created,
        )
        restored: dict[str, Any] = self._restore(body)
        return restored

    def _started(self) -> bytes:
        response = self._response("in_progress")
        return self._emit.event("response.created", response=response) + self._emit.event(
            "response.in_progress", response=response
        )

    def _translate(self, event: bytes) -> bytes:
        _, chunk = parse(event)
        if event.startswith(b"data: [DONE]"):
            return self._completed()
        if not isinstance(chunk, dict):
            return b""
        error = chunk.get("error")
        if isinstance(error, dict):
            message = str(error.get("message") or "the backend stream failed")
            return self.failure(message, str(error.get("code") or "stream_error"))
        self._model = chunk.get("model") or self._model
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        out = b""
        for choice in chunk.get("choices") or ():
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                out += self._choice(choice)
        return out

    def _choice(self, choice: dict[str, Any]) -> bytes:
        delta = choice.get("delta") or {}
        out = b""
        if delta.get("content"):
            out += self._text_delta(delta["content"])
        for call in delta.get("tool_calls") or ():
            out += self._call_delta(call)
        if choice.get("finish_reason"):
            self._finish = choice["finish_reason"]
        return out

    def _text_delta(self, piece: str) -> bytes:
        out = b""
        if self._text is None:
            out += self._close_call()
            out += self._open_text()
        index = self._text
        assert index is not None
        item = self._items[index]
        item["content"][0]["text"] += piece
        return out + self._emit.event(
            "response.output_text.delta",
            item_id=item["id"],
            output_index=index,
            content_index=0,
            delta=piece,
            logprobs=[],
        )

    def _open_text(self) -> bytes:
        item = message_item(new_id("msg"), "", "in_progress")
        part = item["content"][0]
        item["content"] = []
        index = self._text = len(self._items)
        self._items.append(item)
        out = self._emit.event("response.output_item.added", output_index=index, item=item)
        item["content"].append(part)
        return out + self._emit.event(
            "response.content_part.added",
            item_id=item["id"],
            output_index=index,
            content_index=0,
            part=part,
        )

    def _close_text(self) -> bytes:
        if self._text is None:
            return b""
        index, self._text = self._text, None
        item = self._items[index]
        item["status"] = self._item_status()
        part = item["content"][0]
        ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
        return (
            self._emit.event("response.output_text.done", **ids, text=part["text"], logprobs=[])
            + self._emit.event("response.content_part.done", **ids, part=part)
            + self._emit.event("response.output_item.done", output_index=index, item=item)
        )

    def _call_delta(self, call: dict[str, Any]) -> bytes:
        chat_index = int(call.get("index", 0))
        function = call.get("function") or {}
        out = b""
        if chat_index not in self._calls:
            out += self._close_text() + self._close_call()
            item = function_call_item(
                new_id("fc"),
                call.get("id") or new_id("call"),
                function.get("name") or "",
                "",
                status="in_progress",
            )
            self._open_call = self._calls[chat_index] = len(self._items)
            self._items.append(item)
            out += self._emit.event(
                "response.output_item.added", output_index=self._open_call, item=item
            )
        index = self._calls[chat_index]
        piece = function.get("arguments")
        if not piece:
            return out
        item = self._items[index]
        item["arguments"] += piece
        return out + self._emit.event(
            "response.function_call_arguments.delta",
            item_id=item["id"],
            output_index=index,
            delta=piece,
        )

    def _close_call(self) -> bytes:
        if self._open_call is None:
            return b""
        index, self._open_call = self._open_call, None
        item = self._items[index]
        item["status"] = "completed"
        return self._emit.event(
            "response.function_call_arguments.done",
            item_id=item["id"],
            output_index=index,
            name=item["name"],
            arguments=item["arguments"],
        ) + self._emit.event("response.output_item.done", output_index=index, item=item)

    def _item_status(self) -> str:
        return "incomplete" if self._finish in INCOMPLETE else "completed"

    def _completed(self) -> bytes:
        self._ended = True
        out = b""
        if not self._items:  # an empty answer is still one (empty) message
            out += self._open_text()
        out += self._close_text() + self._close_call()
        status = self._item_status()
        kind = "response.incomplete" if status == "incomplete" else "response.completed"
        return out + self._emit.event(kind, response=self._response(status))
