from __future__ import annotations

from typing import Any

from gateway.classify.extract import (
    classified,
    estimated_tokens,
    rewrite,
    segments,
    unclassified_kinds,
)
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
        # Ids are caller-chosen strings that are forwarded, so they are read too.
        ("assistant", "call_1"),
        ("assistant", "lookup_patient"),
        ("assistant", '{"mrn": "123"}'),
        ("tool", "tool output"),
        ("tool", "call_1"),
    ]


def test_completion_prompts_string_and_list() -> None:
    assert texts({"model": "auto", "prompt": "one"}) == [("user", "one")]
    assert texts({"model": "auto", "prompt": ["a", "b"]}) == [("user", "a"), ("user", "b")]


def test_every_other_field_is_read_under_its_name() -> None:
    body = {
        "model": "auto",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": "find a record",
                    "parameters": {
                        "type": "object",
                        "properties": {"owner_email": {"type": "string", "enum": ["a", "b"]}},
                    },
                },
            }
        ],
        "metadata": {"ticket": "T-1"},
        "seed": 123456789,
        "temperature": 0.5,
    }
    assert texts(body) == [
        ("user", "hi"),
        ("field:tools", "lookup"),
        ("field:tools", "find a record"),
        ("field:tools", "owner_email"),  # a property name is not vocabulary
        ("field:tools", "a"),
        ("field:tools", "b"),
        ("field:metadata", "ticket"),
        ("field:metadata", "T-1"),
        ("field:seed", "123456789"),  # long numbers can be identifiers
    ]


def test_data_in_image_audio_and_file_parts_is_not_text_but_is_reported() -> None:
    png = "data:image/png;base64," + "A" * 400
    body = {
        "model": "auto",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this?"},
                    {"type": "image_url", "image_url": {"url": png, "detail": "high"}},
                    {"type": "image_url", "image_url": {"url": "https://x.test/jane.png"}},
                    {"type": "input_audio", "input_audio": {"data": "B" * 300, "format": "wav"}},
                ],
            }
        ],
    }
    assert texts(body) == [("user", "what is this?"), ("user", "https://x.test/jane.png")]
    assert unclassified_kinds(body) == {"image", "audio"}


def test_token_id_prompts_are_reported() -> None:
    assert unclassified_kinds({"prompt": [1, 2, 3]}) == {"token_ids"}
    assert unclassified_kinds({"prompt": [[1, 2], [3]]}) == {"token_ids"}
    assert unclassified_kinds({"prompt": ["text"]}) == frozenset()
    assert unclassified_kinds({"messages": [{"role": "user", "content": [{"type": "x"}]}]}) == {
        "other"
    }


def test_rewrite_replaces_exactly_the_places_segments_reads() -> None:
    body = {
        "model": "auto",
        "messages": [{"role": "user", "content": "hi", "name": "n"}],
        "tools": [{"type": "function", "function": {"name": "f", "description": "d"}}],
        "metadata": {"k": "v"},
        "temperature": 0.1,
    }
    read = [s.text for s in segments(body)]
    rewritten = rewrite(body, lambda _role, text: f"<{text}>")
    assert rewritten == {
        "model": "auto",
        "messages": [{"role": "user", "content": "<hi>", "name": "<n>"}],
        "tools": [{"type": "function", "function": {"name": "<f>", "description": "<d>"}}],
        "metadata": {"<k>": "<v>"},
        "temperature": 0.1,
    }
    assert read == ["hi", "n", "f", "d", "k", "v"]


def test_seams_join_the_ends_of_consecutive_message_texts() -> None:
    body = {
        "model": "auto",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "x" * 100 + "536-22-"},
                                         {"type": "text", "text": "8741" + "y" * 100}]},
            {"role": "assistant", "content": "ok"},
        ],
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }  # fmt: skip
    found = classified(body)
    assert [s.text for s in found if s.role == "seam"] == [
        "x" * 57 + "536-22-" + "8741" + "y" * 60,
        "y" * 64 + "ok",
    ]
    assert estimated_tokens(found) == estimated_tokens(segments(body))
