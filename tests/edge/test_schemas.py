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
        ({"logprobs": True}, "logprobs"),
        ({"top_logprobs": 3}, "top_logprobs"),
        ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"logit_bias": {"1": 5}}, "logit_bias"),
        ({"frobnicate": 1}, "frobnicate"),
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
    ],
)
def test_neutral_values_are_accepted(extra: dict[str, Any]) -> None:
    check_supported(ChatCompletionRequest.model_validate(BASE | extra))


def test_message_level_extras_are_checked() -> None:
    body = BASE | {
        "messages": [{"role": "assistant", "content": None, "tool_calls": [{"id": "x"}]}]
    }
    with pytest.raises(UnsupportedParameter) as caught:
        check_supported(ChatCompletionRequest.model_validate(body))
    assert caught.value.param == "messages[0].tool_calls"


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
