"""A Responses request as a chat-completions request, for a backend that speaks only
chat completions. Pure: the body in, the body out, or a 400 naming what has no
counterpart there."""

from __future__ import annotations

from typing import Any

from common.errors import UnsupportedParameter

# Fields with a chat-completions counterpart (see `_translate`).
TRANSLATED = frozenset(
    {
        "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls",
        "text", "max_output_tokens", "temperature", "top_p", "stream",
    }
)  # fmt: skip
# Bookkeeping a chat backend needs not see: the gateway echoes it in its answer, or it
# is a hint with no effect on the answer (the gateway keeps no state, caches nothing).
IGNORED = frozenset(
    {"metadata", "user", "store", "safety_identifier", "prompt_cache_key", "stream_options"}
)
# Fields accepted at the value that changes nothing.
NEUTRAL: dict[str, Any] = {"truncation": "disabled", "include": [], "background": False}
PART_TYPES = {"input_text": "text", "output_text": "text", "text": "text"}


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The chat-completions body for a (checked, maybe redacted) Responses body."""
    for name, value in body.items():
        if name in TRANSLATED or name in IGNORED or value is None:
            continue
        if name in NEUTRAL and value == NEUTRAL[name]:
            continue
        raise _refused(name, "a backend that speaks only chat completions has no counterpart")
    chat: dict[str, Any] = {"model": body["model"], "messages": messages(body)}
    for name in ("temperature", "top_p", "stream"):
        if body.get(name) is not None:
            chat[name] = body[name]
    if body.get("max_output_tokens") is not None:
        chat["max_tokens"] = body["max_output_tokens"]
    if body.get("tools"):
        chat["tools"] = [_tool(tool) for tool in body["tools"]]
        if body.get("parallel_tool_calls") is not None:
            chat["parallel_tool_calls"] = body["parallel_tool_calls"]
    if body.get("tool_choice") is not None:
        chat["tool_choice"] = tool_choice(body["tool_choice"])
    if body.get("text") is not None:
        response_format = _response_format(body["text"])
        if response_format is not None:
            chat["response_format"] = response_format
    return chat


def messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """`instructions` as a system message, then the input items as chat turns; the
    function calls of one turn join one assistant message, as chat completions has it."""
    out: list[dict[str, Any]] = []
    if body.get("instructions"):
        out.append({"role": "system", "content": body["instructions"]})
    items = body["input"]
    if isinstance(items, str):
        return [*out, {"role": "user", "content": items}]
    for i, item in enumerate(items):
        kind = item.get("type", "message")
        if kind == "function_call":
            _join_call(out, item)
        elif kind == "function_call_output":
            out.append(_tool_result(item, f"input[{i}]"))
        else:
            out.append(_message(item, f"input[{i}]"))
    return out


def _message(item: dict[str, Any], where: str) -> dict[str, Any]:
    content = item.get("content")
    if isinstance(content, list):
        content = [_part(part, f"{where}.content[{j}]") for j, part in enumerate(content)]
        if item.get("role") == "assistant":
            # Chat completions takes text parts only in an assistant message.
            content = "".join(part.get("text", "") for part in content)
    return {"role": item.get("role", "user"), "content": content}


def _part(part: dict[str, Any], where: str) -> dict[str, Any]:
    kind = part.get("type")
    if kind in PART_TYPES:
        return {"type": "text", "text": part.get("text", "")}
    if kind == "refusal":
        return {"type": "text", "text": part.get("refusal", "")}
    if kind == "input_image" and part.get("image_url"):
        image = {"url": part["image_url"]}
        if part.get("detail"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file" and part.get("file_data"):
        file = {k: part[k] for k in ("file_data", "filename") if part.get(k)}
        return {"type": "file", "file": file}
    raise _refused(f"{where}.type", f"the content part {kind!r} has no chat counterpart")


def _join_call(out: list[dict[str, Any]], item: dict[str, Any]) -> None:
    call = {
        "id": item.get("call_id") or item.get("id"),
        "type": "function",
        "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
    }
    last = out[-1] if out else None
    if last is not None and last["role"] == "assistant" and "tool_calls" in last:
        last["tool_calls"].append(call)
    elif last is not None and last["role"] == "assistant" and isinstance(last["content"], str):
        last["tool_calls"] = [call]  # the text the assistant wrote before calling
    else:
        out.append({"role": "assistant", "content": None, "tool_calls": [call]})


def _tool_result(item: dict[str, Any], where: str) -> dict[str, Any]:
    output = item.get("output", "")
    if isinstance(output, list):
        parts = [_part(part, f"{where}.output[{j}]") for j, part in enumerate(output)]
        output = "".join(part.get("text", "") for part in parts)
    return {"role": "tool", "tool_call_id": item.get("call_id"), "content": output}


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool}
    return {"type": "function", "function": function}


def tool_choice(choice: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(choice, str):
        return choice
    return {"type": "function", "function": {"name": choice["name"]}}


def _response_format(text: dict[str, Any]) -> dict[str, Any] | None:
    for name, value in text.items():
        if name != "format" and value is not None:
            raise _refused(
                f"text.{name}", "a backend that speaks only chat completions has no counterpart"
            )
    fmt = text.get("format") or {"type": "text"}
    kind = fmt.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "description", "strict") if k in fmt}
        return {"type": "json_schema", "json_schema": schema}
    raise _refused("text.format.type", f"the format {kind!r} is not supported")


def _refused(param: str, why: str) -> UnsupportedParameter:
    return UnsupportedParameter(f"{param}: not supported: {why}", param=param)
