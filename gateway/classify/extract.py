"""Every place in a request body that can carry text, walked one way for classifying
and for redacting, so that the two can never cover different fields.

A text place is any string leaf of any field (the model name aside), any object key
that is not part of OpenAI's or JSON Schema's vocabulary (a `metadata` key or a
property name can hold a value), and any long number (a card number sent as one).
Strings inside image, audio and file parts that are data (data: URLs, base64) are not
text: such parts are reported by `unclassified_kinds`, and the policy keeps them from
the cloud unless a rule allows their kind.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

# (role, text) -> the text to put in its place.
TextFn = Callable[[str, str], str]

MESSAGE_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text", "refusal"})
PART_KINDS = {
    "image_url": "image",
    "input_image": "image",
    "image": "image",
    "input_audio": "audio",
    "audio": "audio",
    "file": "file",
    "input_file": "file",
}
CHARS_PER_TOKEN = 4  # a rough estimate, good enough for size conditions
SEAM = "seam"
SEAM_CHARS = 64  # longer than any identifier, key or address worth finding
# A number this long can be an identifier (a card, an account, an SSN without dashes).
LONG_NUMBER = 10**5
# Keys of OpenAI request bodies and JSON Schema keywords: fixed words that cannot hold
# a caller's value. Every other key is classified like a value.
VOCABULARY = frozenset(
    {
        "role", "content", "name", "type", "text", "refusal", "tool_calls", "tool_call_id",
        "function_call", "function", "arguments", "id", "index", "image_url", "url",
        "detail", "input_audio", "data", "format", "file", "file_id", "file_data",
        "filename", "audio", "annotations", "messages", "prompt", "suffix", "tools",
        "tool_choice", "functions", "parallel_tool_calls", "response_format",
        "json_schema", "schema", "strict", "description", "parameters", "prediction",
        "stop", "logit_bias", "metadata", "user", "stream", "stream_options",
        "include_usage", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "n", "seed", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs",
        "echo", "best_of", "store", "service_tier", "modalities", "reasoning_effort",
        "properties", "required", "items", "enum", "const", "default", "examples",
        "example", "title", "additionalProperties", "anyOf", "oneOf", "allOf", "not",
        "$defs", "definitions", "$ref", "$schema", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
        "minItems", "maxItems", "uniqueItems", "multipleOf", "nullable", "prefixItems",
        "patternProperties", "propertyNames", "minProperties", "maxProperties",
        # The Responses API's own.
        "input", "instructions", "call_id", "output", "status", "max_output_tokens",
        "previous_response_id", "conversation", "background", "truncation", "include",
        "reasoning", "effort", "summary", "verbosity", "file_url",
        "max_tool_calls", "safety_identifier", "prompt_cache_key",
    }
)  # fmt: skip
# Fixed values of the same vocabulary: not worth a recognizer's time.
FIXED_WORDS = frozenset(
    {
        "text", "function", "image_url", "input_audio", "file", "json_schema",
        "json_object", "object", "string", "array", "integer", "number", "boolean",
        "null", "auto", "none", "required", "system", "developer", "user", "assistant",
        "tool", "low", "high", "wav", "mp3", "content", "message", "function_call",
        "function_call_output", "input_text", "output_text", "input_image", "input_file",
        "completed", "in_progress", "incomplete", "disabled", "medium",
    }
)  # fmt: skip
_BLOB = re.compile(r"[A-Za-z0-9+/=_\-\s]{256,}")


@dataclass(frozen=True)
class Segment:
    role: str  # a message's role, or field:<name> of the top-level field it came from
    text: str


def classified(payload: Mapping[str, Any]) -> list[Segment]:
    """What the classifiers read: every text place and the seams between them."""
    found = segments(payload)
    return found + seams(found)


def segments(payload: Mapping[str, Any] | BaseModel) -> list[Segment]:
    """Every text place of a request body (a parsed one, or its JSON), in order."""
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json", exclude_unset=True)
    found: list[Segment] = []

    def collect(role: str, text: str) -> str:
        found.append(Segment(role, text))
        return text

    rewrite(payload, collect)
    return found


def seams(found: list[Segment]) -> list[Segment]:
    """A value split across two content parts, two messages or two prompts ("536-22-"
    and "8741") is whole again where they meet: the end of one text joined to the start
    of the next. Short, so cheap and cacheable; redaction does not rewrite seams, but
    the redacted body is classified again before it leaves, seams included."""
    texts = [s.text for s in found if s.role in MESSAGE_ROLES]
    return [
        Segment(SEAM, before[-SEAM_CHARS:] + after[:SEAM_CHARS])
        for before, after in itertools.pairwise(texts)
    ]


def estimated_tokens(found: Iterable[Segment]) -> int:
    """About how many tokens the texts are, for the policy's size conditions."""
    return sum(len(s.text) for s in found if s.role != SEAM) // CHARS_PER_TOKEN


def rewrite(payload: Mapping[str, Any], fn: TextFn) -> dict[str, Any]:
    """A copy of a request body with every text place replaced by `fn`'s answer."""
    out: dict[str, Any] = {}
    for field, value in payload.items():
        if field == "model":  # replaced by the backend's own model name
            out[field] = value
        elif field == "messages" and isinstance(value, list):
            out[field] = [_message(m, fn) for m in value]
        elif field == "prompt":
            out[field] = _prompt(value, fn)
        elif field == "input":  # the Responses API's messages, or one user text
            out[field] = _prompt(value, fn) if isinstance(value, str) else _items(value, fn)
        elif field == "instructions" and isinstance(value, str):
            out[field] = fn("system", value) if value.strip() else value
        else:
            role = f"field:{field}"
            out[_key(field, role, fn)] = _json(value, role, fn)
    return out


def unclassified_kinds(payload: Mapping[str, Any]) -> frozenset[str]:
    """The kinds of content in a body that no recognizer can read: token-id prompts,
    and image, audio, file (or unknown) content parts."""
    kinds: set[str] = set()
    prompt = payload.get("prompt")
    if isinstance(prompt, list) and any(not isinstance(p, str) for p in prompt):
        kinds.add("token_ids")
    items = payload.get("input")
    for message in [*(payload.get("messages") or ()), *(items if isinstance(items, list) else ())]:
        content = _item_content(message) if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else ():
            kind = _part_kind(part)
            if kind is not None:
                kinds.add(kind)
    return frozenset(kinds)


def _item_content(item: dict[str, Any]) -> Any:
    """A message's content, or a Responses function_call_output's output (which can
    carry parts too)."""
    return item.get("output") if item.get("type") == "function_call_output" else item.get("content")


def _part_kind(part: Any) -> str | None:
    if not isinstance(part, dict):
        return "other"
    part_type = part.get("type")
    if part_type in TEXT_PART_TYPES:
        return None
    return PART_KINDS.get(part_type, "other") if isinstance(part_type, str) else "other"


def _items(items: Any, fn: TextFn) -> Any:
    """Responses input items: messages by their role, a function call as the
    assistant's, its output as a tool's, so seams join them like chat turns."""
    if not isinstance(items, list):
        return _json(items, "user", fn)
    out: list[Any] = []
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "function_call":
            out.append(_json(item, "assistant", fn))
        elif kind == "function_call_output":
            out.append(_function_output(item, fn))
        else:
            out.append(_message(item, fn))
    return out


def _function_output(item: dict[str, Any], fn: TextFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key == "output" and isinstance(value, list):
            out[key] = [_part(part, "tool", fn) for part in value]
        else:
            out[_key(key, "tool", fn)] = _json(value, "tool", fn)
    return out


def _message(message: Any, fn: TextFn) -> Any:
    if not isinstance(message, dict):
        return _json(message, "user", fn)
    role = message.get("role")
    tag = role if isinstance(role, str) and role in MESSAGE_ROLES else "user"
    out: dict[str, Any] = {}
    for key, value in message.items():
        if key == "role" and tag == role:
            out[key] = value
        elif key == "content" and isinstance(value, list):
            out[key] = [_part(part, tag, fn) for part in value]
        else:
            out[_key(key, tag, fn)] = _json(value, tag, fn)
    return out


def _part(part: Any, role: str, fn: TextFn) -> Any:
    if _part_kind(part) in (None, "other"):
        return _json(part, role, fn)
    # Image, audio and file parts: their data is not text, the rest (a URL, a file
    # name, a detail level) is.
    return _json(part, role, fn, skip_blobs=True)


def _prompt(prompt: Any, fn: TextFn) -> Any:
    if isinstance(prompt, str):
        return fn("user", prompt) if prompt else prompt
    if isinstance(prompt, list):
        # Token ids are left as they are; they are reported as unclassified instead.
        return [fn("user", p) if isinstance(p, str) and p else p for p in prompt]
    return _json(prompt, "user", fn)


def _key(key: str, role: str, fn: TextFn) -> str:
    return key if key in VOCABULARY else fn(role, key)


def _json(value: Any, role: str, fn: TextFn, skip_blobs: bool = False) -> Any:
    if isinstance(value, str):
        if not value.strip() or value in FIXED_WORDS:
            return value
        if skip_blobs and (value.startswith("data:") or _BLOB.fullmatch(value)):
            return value
        return fn(role, value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if abs(value) < LONG_NUMBER:
            return value
        text = str(value)
        replaced = fn(role, text)
        return value if replaced == text else replaced
    if isinstance(value, dict):
        return {_key(k, role, fn): _json(v, role, fn, skip_blobs) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(item, role, fn, skip_blobs) for item in value]
    return value
