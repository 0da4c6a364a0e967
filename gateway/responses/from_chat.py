"""A chat-completions answer as a Responses response object. Pure: the answer and the
request it answers in, the response object out."""

from __future__ import annotations

import secrets
import time
from typing import Any

# finish_reason -> why a response is incomplete.
INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(16)}"


def to_response(answer: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The Responses object for a whole chat completion (its first choice)."""
    choices = answer.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    finish = choice.get("finish_reason")
    status = "incomplete" if finish in INCOMPLETE else "completed"
    output = output_items(message, status)
    return envelope(
        request,
        model=answer.get("model") or request.get("model"),
        status=status,
        output=output,
        usage=usage(answer.get("usage")),
        finish_reason=finish,
    )


def output_items(message: dict[str, Any], status: str) -> list[dict[str, Any]]:
    """A message item for the text (always, when there is no tool call), then one
    function_call item per tool call."""
    items: list[dict[str, Any]] = []
    calls = message.get("tool_calls") or []
    text, refusal = message.get("content"), message.get("refusal")
    if text or refusal or not calls:
        items.append(message_item(new_id("msg"), text or "", status, refusal))
    for call in calls:
        function = call.get("function") or {}
        items.append(
            function_call_item(
                new_id("fc"),
                call.get("id") or new_id("call"),
                function.get("name") or "",
                function.get("arguments") or "",
            )
        )
    return items


def message_item(
    item_id: str, text: str, status: str, refusal: str | None = None
) -> dict[str, Any]:
    content = [refusal_part(refusal)] if refusal else [text_part(text)]
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": status,
        "content": content,
    }


def text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def refusal_part(refusal: str) -> dict[str, Any]:
    return {"type": "refusal", "refusal": refusal}


def function_call_item(
    item_id: str, call_id: str, name: str, arguments: str, status: str = "completed"
) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": status,
    }


def usage(chat_usage: Any) -> dict[str, Any] | None:
    """Responses usage from chat usage; the edge's queue_time_ms is kept, as in chat."""
    if not isinstance(chat_usage, dict):
        return None
    details = chat_usage.get("prompt_tokens_details") or {}
    prompt = int(chat_usage.get("prompt_tokens") or 0)
    completion = int(chat_usage.get("completion_tokens") or 0)
    out: dict[str, Any] = {
        "input_tokens": prompt,
        # Prompt tokens taken from the edge's KV cache; nothing is written to a cache
        # that outlives the request.
        "input_tokens_details": {
            "cached_tokens": int(details.get("cached_tokens") or 0),
            "cache_write_tokens": 0,
        },
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": int(chat_usage.get("total_tokens") or prompt + completion),
    }
    if "queue_time_ms" in chat_usage:
        out["queue_time_ms"] = chat_usage["queue_time_ms"]
    return out


def envelope(
    request: dict[str, Any],
    *,
    model: Any,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None = None,
    finish_reason: str | None = None,
    response_id: str | None = None,
    created_at: int | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The response object: the answer, and the request's settings echoed as OpenAI
    echoes them (the gateway stores nothing: `store` is false, no previous response)."""
    incomplete = INCOMPLETE.get(finish_reason or "") if status == "incomplete" else None
    return {
        "id": response_id or new_id("resp"),
        "object": "response",
        "created_at": created_at if created_at is not None else int(time.time()),
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "metadata": request.get("metadata") or {},
        "model": model,
        "output": output,
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": None,
        "reasoning": None,
        "store": False,
        "temperature": request.get("temperature"),
        "text": request.get("text") or {"format": {"type": "text"}},
        "tool_choice": request.get("tool_choice") or "auto",
        "tools": request.get("tools") or [],
        "top_p": request.get("top_p"),
        "truncation": request.get("truncation") or "disabled",
        "usage": usage,
        "user": request.get("user"),
    }
