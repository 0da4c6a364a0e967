"""Chat messages as the model's template sees them, tools and tool turns included.

SmolLM2's chat template knows nothing of tools, so the offered tools are described in
the system message, in the `<tool_call>` convention the grammar then enforces;
earlier calls and their results are written back into the history the same way, so a
multi-turn tool conversation reads consistently to the model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

from edge.grammars import TOOL_CALL_MARKER
from edge.schemas import ChatMessage, ToolDefinition

ToolMode = Literal["none", "auto", "required"]


def tools_instructions(tools: Sequence[ToolDefinition], mode: ToolMode, named: str | None) -> str:
    lines = [
        "You can call the following tools. Each is a JSON object with the tool's name, "
        "what it does, and the JSON Schema of its arguments:",
        "<tools>",
        *(json.dumps(_tool_entry(tool), ensure_ascii=False) for tool in tools),
        "</tools>",
        f"To call a tool, answer with {TOOL_CALL_MARKER} followed by one JSON object "
        '{"name": <tool name>, "arguments": <arguments object>} and nothing else.',
    ]
    if named is not None:
        lines.append(f"You must call the tool {named} now.")
    elif mode == "required":
        lines.append("You must call one of the tools now.")
    else:
        lines.append("Call a tool only when it helps; otherwise answer in plain text.")
    return "\n".join(lines)


def _tool_entry(tool: ToolDefinition) -> dict[str, object]:
    function = tool.function
    entry: dict[str, object] = {"name": function.name}
    if function.description:
        entry["description"] = function.description
    entry["parameters"] = function.parameters or {"type": "object", "properties": {}}
    return entry


def render_messages(
    messages: Sequence[ChatMessage], instructions: str | None
) -> list[dict[str, str]]:
    """The messages for the chat template; `instructions`, when given, join the system
    message (a new one opens the conversation when there is none)."""
    names = {call.id: call.function.name for m in messages for call in m.tool_calls or []}
    rendered = [_render(message, names) for message in messages]
    if instructions is None:
        return rendered
    if rendered and rendered[0]["role"] == "system":
        first = rendered[0]["content"]
        return [{"role": "system", "content": f"{first}\n\n{instructions}"}, *rendered[1:]]
    return [{"role": "system", "content": instructions}, *rendered]


def _render(message: ChatMessage, names: dict[str, str]) -> dict[str, str]:
    # The template knows system/user/assistant/tool; "developer" is OpenAI's newer "system".
    role = "system" if message.role == "developer" else message.role
    text = message.text()
    if message.tool_calls:
        calls = [
            TOOL_CALL_MARKER + _call_json(c.function.name, c.function.arguments)
            for c in message.tool_calls
        ]
        text = "\n".join([text, *calls] if text else calls)
    if message.role == "tool":
        name = names.get(message.tool_call_id or "", message.name or "the tool")
        text = f"Result of {name}: {text}"
    return {"role": role, "content": text}


def _call_json(name: str, arguments: str) -> str:
    try:
        parsed: object = json.loads(arguments)
    except ValueError:  # a client's own history; written back as it was sent
        parsed = arguments
    return json.dumps({"name": name, "arguments": parsed}, ensure_ascii=False)
