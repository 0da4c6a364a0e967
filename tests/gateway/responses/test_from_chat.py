"""Chat-completions answer -> Responses response object, checked against the openai
SDK's own `Response` model."""

from __future__ import annotations

from typing import Any

from openai.types.responses import Response

from gateway.responses.from_chat import to_response

REQUEST = {
    "model": "edge-model",
    "input": "Hi",
    "instructions": "Be brief.",
    "metadata": {"k": "v"},
}
USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 5,
    "total_tokens": 17,
    "prompt_tokens_details": {"cached_tokens": 4},
}


def answer(message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "edge-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": USAGE,
    }


def test_a_text_answer_is_one_message_item_with_usage() -> None:
    body = to_response(answer({"role": "assistant", "content": "Hello."}), REQUEST)
    response = Response.model_validate(body)
    assert response.id.startswith("resp_")
    assert response.object == "response"
    assert response.status == "completed"
    assert response.output_text == "Hello."
    assert response.instructions == "Be brief."
    assert response.metadata == {"k": "v"}
    message = response.output[0]
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert message.content[0].type == "output_text"
    assert message.content[0].annotations == []
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (12, 5)
    assert response.usage.total_tokens == 17
    assert response.usage.input_tokens_details.cached_tokens == 4
    assert response.usage.output_tokens_details.reasoning_tokens == 0
    assert response.incomplete_details is None


def test_tool_calls_are_function_call_items() -> None:
    calls = [
        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'}},
        {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}},
    ]
    body = to_response(
        answer({"role": "assistant", "content": None, "tool_calls": calls}, "tool_calls"),
        REQUEST,
    )
    response = Response.model_validate(body)
    assert response.status == "completed"
    assert [item.type for item in response.output] == ["function_call", "function_call"]
    first = response.output[0]
    assert first.type == "function_call"
    assert (first.call_id, first.name, first.arguments) == ("call_a", "f", '{"x":1}')
    assert first.id is not None
    assert first.id.startswith("fc_")


def test_text_and_a_tool_call_are_a_message_then_a_call() -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    body = to_response(answer({"content": "Looking.", "tool_calls": calls}, "tool_calls"), REQUEST)
    assert [item["type"] for item in body["output"]] == ["message", "function_call"]


def test_a_length_cut_is_incomplete_with_its_reason() -> None:
    body = to_response(answer({"content": "Once upon"}, "length"), REQUEST)
    response = Response.model_validate(body)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.incomplete_details.reason == "max_output_tokens"
    assert response.output[0].status == "incomplete"  # type: ignore[union-attr]


def test_a_refusal_is_a_refusal_part() -> None:
    body = to_response(answer({"content": None, "refusal": "No."}), REQUEST)
    part = Response.model_validate(body).output[0].content[0]  # type: ignore[union-attr]
    assert (part.type, part.refusal) == ("refusal", "No.")  # type: ignore[union-attr]


def test_structured_output_parses_with_the_sdk() -> None:
    request = {
        **REQUEST,
        "text": {"format": {"type": "json_schema", "name": "r", "schema": {"type": "object"}}},
    }
    body = to_response(answer({"content": '{"a": "b"}'}), request)
    response = Response.model_validate(body)
    assert response.text is not None
    assert response.text.format is not None
    assert response.text.format.type == "json_schema"
    assert response.output_text == '{"a": "b"}'
