"""Reads a tool-enabled answer as it is generated: plain text, or a tool call.

The grammar (edge.grammars.tool_call_grammar) makes the answer either text that does
not start with "<", or the `<tool_call>` marker followed by
`{"name": ..., "arguments": {...}}`, name first. So the first character decides, the
name is known as soon as its string closes, and the arguments can be streamed as they
come, holding back only what may turn out to be the call object's closing brace.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

from edge.grammars import TOOL_CALL_MARKER

# The call object up to its arguments; whitespace as the grammar allows it.
_CALL_HEAD = re.compile(r'^[ \n]?\{ ?"name" ?: ?"(?P<name>[a-zA-Z0-9_-]*)" ?, ?"arguments" ?: ?')
# After the arguments: the call object's own closing brace and spaces.
_CALL_TAIL = re.compile(r"\s*\}?\s*$")


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class CallStarted:
    id: str
    name: str


@dataclass(frozen=True)
class Arguments:
    fragment: str


ReaderEvent = Text | CallStarted | Arguments


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as OpenAI sends it
    complete: bool  # False when generation ended inside the call


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def _arguments_so_far(raw: str) -> str:
    """The arguments' text without what may be the call object's closing brace."""
    return _CALL_TAIL.sub("", raw, count=1).rstrip()


@dataclass
class ToolCallReader:
    _buffer: str = ""
    _mode: str = "undecided"  # then "text" or "call"
    _call: CallStarted | None = None
    _raw_arguments: str = ""
    _sent: str = ""
    _id: str = field(default_factory=new_call_id)

    def feed(self, text: str) -> list[ReaderEvent]:
        if self._mode == "text":
            return [Text(text)] if text else []
        self._buffer += text
        if self._mode == "undecided":
            return self._decide()
        return self._read_call()

    def _decide(self) -> list[ReaderEvent]:
        if not self._buffer:
            return []
        if TOOL_CALL_MARKER.startswith(self._buffer):
            return []  # the marker, not yet whole
        if self._buffer.startswith(TOOL_CALL_MARKER):
            self._mode = "call"
            self._buffer = self._buffer[len(TOOL_CALL_MARKER) :]
            return self._read_call()
        self._mode = "text"
        text, self._buffer = self._buffer, ""
        return [Text(text)]

    def _read_call(self) -> list[ReaderEvent]:
        events: list[ReaderEvent] = []
        if self._call is None:
            head = _CALL_HEAD.match(self._buffer)
            if head is None:
                return []
            self._call = CallStarted(self._id, head["name"])
            self._raw_arguments = self._buffer[head.end() :]
            events.append(self._call)
        else:
            head = _CALL_HEAD.match(self._buffer)
            assert head is not None
            self._raw_arguments = self._buffer[head.end() :]
        safe = _arguments_so_far(self._raw_arguments)
        if len(safe) > len(self._sent) and safe.startswith(self._sent):
            events.append(Arguments(safe[len(self._sent) :]))
            self._sent = safe
        return events

    def finish(self) -> tuple[list[ReaderEvent], ToolCall | None]:
        """What is left to send, and the call if the answer was one."""
        if self._mode == "undecided":  # ended inside the marker, or before any text
            self._mode = "text"
            return ([Text(self._buffer)] if self._buffer else []), None
        if self._mode == "text" or self._call is None:
            # A call cut before its name closed: what there is, as text.
            return ([Text(TOOL_CALL_MARKER + self._buffer)] if self._mode == "call" else []), None
        arguments = _arguments_so_far(self._raw_arguments)
        events: list[ReaderEvent] = []
        if arguments.startswith(self._sent) and len(arguments) > len(self._sent):
            events.append(Arguments(arguments[len(self._sent) :]))
        complete = _parses(self._buffer)
        return events, ToolCall(self._call.id, self._call.name, arguments, complete)


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
