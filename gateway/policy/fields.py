"""Which top-level body fields may leave for a backend: an allow-list per backend.

A field not on a backend's list is dropped from what that backend is sent, never
passed on unread; every field on the cloud's list is classified (see
`gateway.classify.extract`). The edge, on the appliance itself, may take every field
("*"): nothing it is sent leaves, and it refuses by name what it cannot honour.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

ALL = "*"
# OpenAI's chat and text completion parameters that change the answer. Left out by
# default: `user`, `metadata`, `store`, `service_tier` (bookkeeping the gateway does
# itself: the principal is in the audit log) and anything the gateway does not know.
CLOUD_FIELDS = (
    "model",
    "messages",
    "prompt",
    "suffix",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "n",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "echo",
    "best_of",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "functions",
    "function_call",
    "response_format",
    "prediction",
    # /v1/embeddings
    "input",
    "encoding_format",
    "dimensions",
)


# A Responses body's fields under the chat-completions names the lists use: a Responses
# field may leave when its counterpart may (`input` and `instructions` are messages).
# A field without a counterpart goes by its own name.
RESPONSES_ALIASES = {
    "input": "messages",
    "instructions": "messages",
    "max_output_tokens": "max_tokens",
    "text": "response_format",
    "reasoning": "reasoning_effort",
}


def forwarded(
    payload: Mapping[str, Any],
    allowed: Collection[str],
    aliases: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The fields of `payload` a backend may receive, and the names of those dropped.
    `aliases` names a body's fields as the list does, where they differ."""
    if ALL in allowed:
        return dict(payload), ()
    names = aliases or {}
    kept = {k: v for k, v in payload.items() if names.get(k, k) in allowed or k == "model"}
    return kept, tuple(k for k in payload if k not in kept)
