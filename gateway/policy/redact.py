"""Redact-then-cloud: reversible placeholders for the entities found in a request.

The same value gets the same placeholder everywhere in one request (every message,
tool-call arguments included). The mapping lives in the request's memory only: it is
never logged, sent or reused. Restoring replaces only placeholders that were issued;
a placeholder the model invents passes through unchanged. Inside JSON text (tool-call
arguments) a value goes back escaped as a JSON string's content, unless it was found
in JSON text and so is escaped already.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from gateway.classify.extract import rewrite

Span = tuple[int, int, str]  # start, end, entity type
SpanFinder = Callable[[str], list[Span]]


class Redaction:
    def __init__(self, find: SpanFinder) -> None:
        self._find = find
        # A value is one placeholder whether it stands in prose or, escaped, inside
        # JSON text (tool-call arguments): keyed by what it reads as (`_reading`).
        self._by_value: dict[tuple[str, bool], str] = {}
        self.originals: dict[str, str] = {}  # placeholder -> value, as prose has it
        # placeholder -> value as JSON text wrote it, for those found there
        self.json_written: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def text(self, text: str) -> str:
        spans = sorted(_outermost(self._find(text)))
        in_json = bool(spans) and _is_json(text)
        pieces: list[str] = []
        position = 0
        for start, end, entity in spans:
            pieces.append(text[position:start])
            pieces.append(self._placeholder(text[start:end], entity, in_json))
            position = end
        pieces.append(text[position:])
        return "".join(pieces)

    def _placeholder(self, written: str, entity: str, in_json: bool) -> str:
        key = _reading(written, in_json)
        if key not in self._by_value:
            self._counts[entity] = self._counts.get(entity, 0) + 1
            placeholder = f"[{entity}_{self._counts[entity]}]"
            self._by_value[key] = placeholder
            self.originals[placeholder] = key[0]
        placeholder = self._by_value[key]
        if in_json:
            self.json_written.setdefault(placeholder, written)
        return placeholder

    def payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A copy of an OpenAI request body with every text place redacted: the same
        places the classifiers read (`gateway.classify.extract`)."""
        return rewrite(payload, lambda _role, text: self.text(text))

    def restorer(self) -> Restorer:
        return Restorer(dict(self.originals), dict(self.json_written))


def _outermost(spans: list[Span]) -> list[Span]:
    """Overlapping findings (a name inside an address) collapse to the widest one."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept


class Restorer:
    """Puts original values back, in whole texts and in streamed pieces; a
    placeholder split across two stream chunks is held back until it is complete."""

    def __init__(
        self, originals: dict[str, str], json_written: Mapping[str, str] | None = None
    ) -> None:
        """`json_written`: values as JSON text wrote them, for those found there; the
        others are escaped for JSON text as they go back into it."""
        self._originals = originals
        written = json_written or {}
        self._in_json = {
            placeholder: written.get(placeholder, _json_escaped(value))
            for placeholder, value in originals.items()
        }
        alternatives = "|".join(re.escape(p) for p in sorted(originals, key=len, reverse=True))
        self._pattern = re.compile(alternatives) if originals else None
        self._calls: set[tuple[int, str, Any]] = set()
        # What is held back per stream piece (a choice's content, a tool call's
        # arguments, a Responses item's text), until it cannot end in a placeholder.
        self._pending: dict[Hashable, str] = {}

    def text(self, text: str, in_json: bool = False) -> str:
        """`text` with the issued placeholders replaced. `in_json`: the text is JSON
        (tool-call arguments), where a placeholder stands inside a string, so a value
        is written as a JSON string's content would be."""
        if self._pattern is None:
            return text
        values = self._in_json if in_json else self._originals
        return self._pattern.sub(lambda m: values[m.group(0)], text)

    def feed(self, stream: Hashable, piece: str, in_json: bool = False) -> str:
        buffer = self._pending.pop(stream, "") + piece
        hold = self._partial_tail(buffer)
        if hold:
            self._pending[stream] = buffer[-hold:]
            buffer = buffer[:-hold]
        return self.text(buffer, in_json)

    def flush(self, stream: Hashable, in_json: bool = False) -> str:
        return self.text(self._pending.pop(stream, ""), in_json)

    def _partial_tail(self, buffer: str) -> int:
        start = buffer.rfind("[")
        if start < 0:
            return 0
        tail = buffer[start:]
        if any(p.startswith(tail) and p != tail for p in self._originals):
            return len(tail)
        return 0

    def sse_event(self, event: bytes) -> bytes:
        """One whole SSE event of a chat or text completion stream, restored."""
        if not event.startswith(b"data: {"):
            return event
        try:
            chunk = json.loads(event[len(b"data: ") :])
        except ValueError:
            return event
        for choice in chunk.get("choices") or []:
            index = int(choice.get("index", 0))
            finishing = choice.get("finish_reason") is not None
            delta = choice.get("delta")
            if isinstance(delta, dict):
                piece = delta.get("content")
                restored = self.feed(index, piece) if isinstance(piece, str) else ""
                if finishing:
                    restored += self.flush(index)
                if isinstance(piece, str) or restored:
                    delta["content"] = restored
                self._tool_calls(index, delta, finishing)
            elif isinstance(choice.get("text"), str):
                tail = self.flush(index) if finishing else ""
                choice["text"] = self.feed(index, choice["text"]) + tail
        return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"

    def _tool_calls(self, choice: int, delta: dict[str, Any], finishing: bool) -> None:
        """Streamed tool-call arguments, restored like content: each call's own."""
        calls = delta.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                key = (choice, "tool", call.get("index", 0))
                self._calls.add(key)
                function["arguments"] = self.feed(key, function["arguments"], in_json=True)
        if not finishing:
            return
        held = [
            (key, self.flush(key, in_json=True)) for key in sorted(self._calls) if key[0] == choice
        ]
        tails = [{"index": key[2], "function": {"arguments": tail}} for key, tail in held if tail]
        if tails:
            delta["tool_calls"] = [*(calls if isinstance(calls, list) else ()), *tails]

    def response(self, body: Any) -> Any:
        """A non-streamed OpenAI response body with every issued placeholder restored."""
        if isinstance(body, str):
            return self.text(body)
        if isinstance(body, list):
            return [self.response(item) for item in body]
        if isinstance(body, dict):
            return {
                # Tool-call arguments (chat, legacy function_call, Responses items) are
                # JSON text.
                k: self.text(v, in_json=True)
                if k == "arguments" and isinstance(v, str)
                else self.response(v)
                for k, v in body.items()
            }
        return body


def _json_escaped(value: str) -> str:
    """`value` as a JSON string's content: a quote, a backslash or a control character
    from plain text would end the string or make the arguments invalid JSON."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _reading(written: str, in_json: bool) -> tuple[str, bool]:
    """What a found value reads as: prose as it stands; inside JSON text, the string
    content it escapes (`\\"` reads as `"`). A span that is no string's content (cut
    through an escape, across a quote) reads as nothing else, and is kept apart."""
    if not in_json:
        return written, False
    try:
        return json.loads(f'"{written}"'), False
    except ValueError:
        return written, True


def _is_json(text: str) -> bool:
    """Whether a text is a JSON document (tool-call arguments, a pasted object), where
    what a recognizer finds is written with JSON's escapes."""
    if text.lstrip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
