"""Tools and tool turns rendered for a chat template that knows nothing of tools."""

from __future__ import annotations

import json
from typing import Any

from edge.schemas import ChatMessage, ToolDefinition
from edge.tool_prompt import render_messages, tools_instructions

WEATHER = ToolDefinition.model_validate(
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
)
CLOCK = ToolDefinition.model_validate({"type": "function", "function": {"name": "now"}})


def _messages(*raw: dict[str, Any]) -> list[ChatMessage]:
    return [ChatMessage.model_validate(m) for m in raw]


def test_instructions_list_every_tool_with_its_schema() -> None:
    text = tools_instructions([WEATHER, CLOCK], "auto", None)
    lines = text.splitlines()
    entries = [
        json.loads(line) for line in lines[lines.index("<tools>") + 1 : lines.index("</tools>")]
    ]
    assert entries[0]["name"] == "get_weather"
    assert entries[0]["parameters"]["properties"] == {"city": {"type": "string"}}
    assert entries[1] == {"name": "now", "parameters": {"type": "object", "properties": {}}}
    assert "<tool_call>" in text
    assert "only when it helps" in text


def test_instructions_say_when_a_call_is_required() -> None:
    assert "must call one of the tools" in tools_instructions([WEATHER], "required", None)
    assert "must call the tool get_weather" in tools_instructions(
        [WEATHER], "required", "get_weather"
    )


def test_instructions_join_the_system_message_or_open_the_conversation() -> None:
    with_system = render_messages(
        _messages({"role": "developer", "content": "Be brief."}, {"role": "user", "content": "hi"}),
        "TOOLS",
    )
    assert with_system[0] == {"role": "system", "content": "Be brief.\n\nTOOLS"}
    without = render_messages(_messages({"role": "user", "content": "hi"}), "TOOLS")
    assert without == [{"role": "system", "content": "TOOLS"}, {"role": "user", "content": "hi"}]
    assert render_messages(_messages({"role": "user", "content": "hi"}), None) == [
        {"role": "user", "content": "hi"}
    ]


def test_earlier_calls_and_their_results_are_written_back() -> None:
    history = _messages(
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C and sunny"},
    )
    rendered = render_messages(history, None)
    call = rendered[1]["content"]
    assert call.startswith("<tool_call>")
    assert json.loads(call.removeprefix("<tool_call>")) == {
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    assert rendered[2] == {"role": "tool", "content": "Result of get_weather: 18C and sunny"}
