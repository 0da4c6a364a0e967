"""Responses request -> chat-completions request, table-driven, and what has no
counterpart refused by name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from common.errors import UnsupportedParameter
from gateway.responses.to_chat import to_chat

TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": True,
}
CHAT_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        "strict": True,
    },
}
SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}


def test_a_string_input_with_instructions_is_a_system_and_a_user_message() -> None:
    chat = to_chat(
        {
            "model": "m",
            "instructions": "Be brief.",
            "input": "Hi",
            "max_output_tokens": 20,
            "temperature": 0.2,
            "top_p": 0.9,
            "stream": True,
        }
    )
    assert chat == {
        "model": "m",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
        ],
        "max_tokens": 20,
        "temperature": 0.2,
        "top_p": 0.9,
        "stream": True,
    }


def test_items_become_turns_and_function_calls_join_one_assistant_message() -> None:
    items: list[dict[str, Any]] = [
        {"role": "developer", "content": "Use tools."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Q"}]},
        {
            "type": "message",
            "role": "assistant",
            "id": "msg_1",
            "status": "completed",
            "content": [{"type": "output_text", "text": "Let me look.", "annotations": []}],
        },
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": '{"x":1}'},
        {"type": "function_call", "call_id": "c2", "name": "g", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "one"},
        {"type": "function_call_output", "call_id": "c2", "output": "two"},
        {"role": "user", "content": "Thanks"},
    ]
    assert to_chat({"model": "m", "input": items})["messages"] == [
        {"role": "developer", "content": "Use tools."},
        {"role": "user", "content": [{"type": "text", "text": "Q"}]},
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'}},
                {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "one"},
        {"role": "tool", "tool_call_id": "c2", "content": "two"},
        {"role": "user", "content": "Thanks"},
    ]


def test_a_call_with_no_text_before_it_is_an_assistant_message_without_content() -> None:
    items = [
        {"role": "user", "content": "Q"},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
    ]
    assert to_chat({"model": "m", "input": items})["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }


def test_image_and_file_parts_have_their_chat_forms() -> None:
    parts = [
        {"type": "input_image", "image_url": "https://x/y.png", "detail": "low"},
        {
            "type": "input_file",
            "file_data": "data:application/pdf;base64,AAAA",
            "filename": "a.pdf",
        },
    ]
    content = to_chat({"model": "m", "input": [{"role": "user", "content": parts}]})["messages"][0][
        "content"
    ]
    assert content == [
        {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
        {
            "type": "file",
            "file": {"file_data": "data:application/pdf;base64,AAAA", "filename": "a.pdf"},
        },
    ]


@pytest.mark.parametrize(
    ("choice", "chat_choice"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        (
            {"type": "function", "name": "get_weather"},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_tools_and_tool_choice(choice: Any, chat_choice: Any) -> None:
    chat = to_chat(
        {
            "model": "m",
            "input": "Weather?",
            "tools": [TOOL],
            "tool_choice": choice,
            "parallel_tool_calls": False,
        }
    )
    assert chat["tools"] == [CHAT_TOOL]
    assert chat["tool_choice"] == chat_choice
    assert chat["parallel_tool_calls"] is False


@pytest.mark.parametrize(
    ("text", "response_format"),
    [
        ({"format": {"type": "text"}}, None),
        ({"format": {"type": "json_object"}}, {"type": "json_object"}),
        (
            {"format": {"type": "json_schema", "name": "r", "schema": SCHEMA, "strict": True}},
            {"type": "json_schema", "json_schema": {"name": "r", "schema": SCHEMA, "strict": True}},
        ),
    ],
)
def test_text_format_is_response_format(text: Any, response_format: Any) -> None:
    chat = to_chat({"model": "m", "input": "x", "text": text})
    assert chat.get("response_format") == response_format


def test_bookkeeping_is_not_sent_and_neutral_values_pass() -> None:
    body = {
        "model": "m",
        "input": "x",
        "metadata": {"k": "v"},
        "user": "u",
        "store": False,
        "truncation": "disabled",
        "include": [],
    }
    assert to_chat(body) == {"model": "m", "messages": [{"role": "user", "content": "x"}]}


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"reasoning": {"effort": "low"}}, "reasoning"),
        ({"include": ["message.output_text.logprobs"]}, "include"),
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"truncation": "auto"}, "truncation"),
        ({"x_vendor": 1}, "x_vendor"),
        ({"text": {"verbosity": "low"}}, "text.verbosity"),
        ({"text": {"format": {"type": "grammar"}}}, "text.format.type"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_audio"}]}]},
            "input[0].content[0].type",
        ),
    ],
)
def test_what_chat_completions_cannot_say_is_refused_by_name(
    fields: dict[str, Any], param: str
) -> None:
    with pytest.raises(UnsupportedParameter) as refused:
        to_chat({"model": "m", "input": "x", **fields})
    assert refused.value.param == param
    assert refused.value.status_code == 400


def test_the_translation_adds_no_text_of_its_own() -> None:
    # Redaction rewrites the Responses body, then it is translated: every string of
    # the chat body must come from the Responses body (or be a fixed word).
    body = {
        "model": "m",
        "instructions": "I1",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "T1"}]},
            {"type": "function_call", "call_id": "C1", "name": "N1", "arguments": "A1"},
            {"type": "function_call_output", "call_id": "C1", "output": "O1"},
        ],
        "tools": [TOOL],
    }
    sent = json.dumps(body)
    fixed = {"system", "user", "assistant", "tool", "text", "function"}

    def strings(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    for text in strings(to_chat(body)):
        assert text in fixed or json.dumps(text) in sent, text
