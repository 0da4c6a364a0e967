"""Every piece of text in a request that a classifier must see, as role-tagged segments.

System, user, assistant and tool messages; text content parts; tool-call function
names and arguments; `name` fields; completion prompts, string or list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gateway.schemas import ChatCompletionRequest, ChatMessage, CompletionRequest


@dataclass(frozen=True)
class Segment:
    role: str
    text: str


def segments(body: ChatCompletionRequest | CompletionRequest) -> list[Segment]:
    if isinstance(body, CompletionRequest):
        return [Segment("user", text) for text in _prompt_texts(body.prompt) if text]
    found: list[Segment] = []
    for message in body.messages:
        found.extend(s for s in _message_segments(message) if s.text)
    return found


def _prompt_texts(prompt: Any) -> list[str]:
    if isinstance(prompt, str):
        return [prompt]
    # Token-id prompts carry no text a recognizer can read; they are refused upstream
    # of any cloud route by the policy (they classify as empty here).
    return [p for p in prompt if isinstance(p, str)]


def _message_segments(message: ChatMessage) -> Iterator[Segment]:
    role = message.role
    if isinstance(message.content, str):
        yield Segment(role, message.content)
    elif isinstance(message.content, list):
        for part in message.content:
            yield from (Segment(role, text) for text in _strings(part.model_dump()))
    extras = message.model_extra or {}
    for key, value in extras.items():
        if key in {"tool_calls", "function_call", "name", "refusal"}:
            yield from (Segment(role, text) for text in _strings(value))


def _strings(value: Any) -> Iterator[str]:
    """All string leaves of a JSON value. Tool-call arguments stay one JSON string, so
    that their keys ("ssn", "password") sit next to their values as context."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in {"type", "id", "index"}:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
