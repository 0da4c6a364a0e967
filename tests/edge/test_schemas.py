from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from common.errors import InvalidRequest, UnsupportedParameter
from edge.schemas import ChatCompletionRequest, CompletionRequest, check_supported

BASE: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"n": 2}, "n"),
        ({"logit_bias": {"1": 5}}, "logit_bias"),
        ({"frobnicate": 1}, "frobnicate"),
        ({"functions": [{"name": "f"}]}, "functions"),
        ({"audio": {"voice": "x"}}, "audio"),
        ({"prediction": {"type": "content", "content": "x"}}, "prediction"),
    ],
)
def test_unsupported_parameters_are_named(extra: dict[str, Any], param: str) -> None:
    request = ChatCompletionRequest.model_validate(BASE | extra)
    with pytest.raises(UnsupportedParameter) as caught:
        check_supported(request)
    assert caught.value.param == param
    assert caught.value.status_code == 400


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"logprobs": False},
        {"user": "alice", "metadata": {"k": "v"}},
        {"response_format": {"type": "text"}},
        {"tools": []},
        {"n": 1},
        {"logprobs": True, "top_logprobs": 3},
        {"response_format": {"type": "json_object"}},
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}},
        {"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "required"},
        {"tool_choice": "none", "parallel_tool_calls": True},
        {"messages": [{"role": "assistant", "content": "x", "refusal": None}]},
    ],
)
def test_supported_and_neutral_values_are_accepted(extra: dict[str, Any]) -> None:
    check_supported(ChatCompletionRequest.model_validate(BASE | extra))


def test_message_level_extras_are_checked() -> None:
    body = BASE | {"messages": [{"role": "assistant", "content": "x", "audio": {"id": "a"}}]}
    with pytest.raises(UnsupportedParameter) as caught:
        check_supported(ChatCompletionRequest.model_validate(body))
    assert caught.value.param == "messages[0].audio"


def test_tool_turns_in_the_history_are_accepted() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = BASE | {
        "messages": [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "42"},
        ]
    }
    request = ChatCompletionRequest.model_validate(body)
    check_supported(request)
    assert request.messages[0].tool_calls is not None
    assert request.messages[1].tool_call_id == "call_1"


def test_top_logprobs_needs_logprobs() -> None:
    request = ChatCompletionRequest.model_validate(BASE | {"top_logprobs": 2})
    with pytest.raises(InvalidRequest) as caught:
        request.top_logprobs_count()
    assert caught.value.param == "top_logprobs"
    assert ChatCompletionRequest.model_validate(BASE | {"logprobs": True}).top_logprobs_count() == 0
    assert ChatCompletionRequest.model_validate(BASE).top_logprobs_count() is None
    text = CompletionRequest.model_validate({"model": "m", "prompt": "x", "logprobs": 2})
    assert text.top_logprobs_count() == 2


def test_completions_refuse_chat_only_fields_by_name() -> None:
    request = CompletionRequest.model_validate(
        {"model": "m", "prompt": "x", "response_format": {"type": "json_object"}}
    )
    with pytest.raises(UnsupportedParameter) as caught:
        check_supported(request)
    assert caught.value.param == "response_format"


def test_max_completion_tokens_wins_over_max_tokens() -> None:
    request = ChatCompletionRequest.model_validate(
        BASE | {"max_tokens": 50, "max_completion_tokens": 7}
    )
    assert request.token_limit() == 7


def test_text_parts_are_joined() -> None:
    content = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    request = ChatCompletionRequest.model_validate(
        BASE | {"messages": [{"role": "user", "content": content}]}
    )
    assert request.messages[0].text() == "ab"


@pytest.mark.parametrize(
    "bad",
    [
        {"temperature": 3},
        {"top_p": 0},
        {"max_tokens": 0},
        {"stop": ["a", "b", "c", "d", "e"]},
        {"messages": []},
        {"messages": [{"role": "wizard", "content": "x"}]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
        {"response_format": {"type": "json_schema"}},
        {"response_format": {"type": "xml"}},
        {"tools": [{"type": "function", "function": {"name": "has space"}}]},
        {"tools": [{"type": "retrieval"}]},
        {"tool_choice": "sometimes"},
        {"top_logprobs": 21},
    ],
)
def test_schema_violations_fail_validation(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate(BASE | bad)


def test_completion_prompt_list_of_one_is_accepted_and_more_refused() -> None:
    one = CompletionRequest.model_validate({"model": "m", "prompt": ["x"]})
    assert one.prompt_text() == "x"
    many = CompletionRequest.model_validate({"model": "m", "prompt": ["x", "y"]})
    with pytest.raises(InvalidRequest) as caught:
        many.prompt_text()
    assert caught.value.param == "prompt"
