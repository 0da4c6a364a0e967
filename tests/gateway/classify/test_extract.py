from __future__ import annotations

from typing import Any

from gateway.classify.extract import segments
from gateway.schemas import ChatCompletionRequest, CompletionRequest


def texts(body: dict[str, Any]) -> list[tuple[str, str]]:
    model = ChatCompletionRequest if "messages" in body else CompletionRequest
    return [(s.role, s.text) for s in segments(model.model_validate(body))]


def test_every_message_role_and_part_is_seen() -> None:
    body = {
        "model": "auto",
        "messages": [
            {"role": "system", "content": "sys"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "part one"},
                    {"type": "text", "text": "part two"},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup_patient", "arguments": '{"mrn": "123"}'},
                    }
                ],
            },
            {"role": "tool", "content": "tool output", "tool_call_id": "call_1"},
        ],
    }
    assert texts(body) == [
        ("system", "sys"),
        ("user", "part one"),
        ("user", "part two"),
        ("assistant", "lookup_patient"),
        ("assistant", '{"mrn": "123"}'),
        ("tool", "tool output"),
    ]


def test_completion_prompts_string_and_list() -> None:
    assert texts({"model": "auto", "prompt": "one"}) == [("user", "one")]
    assert texts({"model": "auto", "prompt": ["a", "b"]}) == [("user", "a"), ("user", "b")]
