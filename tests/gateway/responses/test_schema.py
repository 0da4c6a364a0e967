"""What /v1/responses refuses whatever the backend: state kept between requests, and
tools the gateway cannot run. Each refusal is a 400 naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from common.errors import UnsupportedParameter
from gateway.responses.schema import ResponsesRequest, check_supported


def checked(**fields: Any) -> None:
    check_supported(ResponsesRequest.model_validate({"model": "auto", "input": "hi", **fields}))


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"conversation": "conv_1"}, "conversation"),
        ({"prompt": {"id": "pmpt_1"}}, "prompt"),
        ({"store": True}, "store"),
        ({"background": True}, "background"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"tools": [{"type": "function", "name": "f"}, {"type": "file_search"}]}, "tools[1].type"),
        ({"tool_choice": {"type": "web_search_preview"}}, "tool_choice"),
        ({"tool_choice": "sometimes"}, "tool_choice"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type"),
        ({"input": [{"type": "reasoning", "summary": []}]}, "input[0].type"),
        ({"input": [{"type": "web_search_call", "id": "x"}]}, "input[0].type"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]},
            "input[0].content[0].file_id",
        ),
    ],
)
def test_refused_by_name(fields: dict[str, Any], param: str) -> None:
    with pytest.raises(UnsupportedParameter) as refused:
        checked(**fields)
    assert refused.value.param == param
    assert refused.value.status_code == 400
    assert param in refused.value.message


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"store": False, "previous_response_id": None},
        {"tools": [{"type": "function", "name": "f", "parameters": {}}], "tool_choice": "required"},
        {"tool_choice": {"type": "function", "name": "f"}},
        {
            "input": [
                {"role": "user", "content": "q"},
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c", "output": "r"},
            ]
        },
    ],
)
def test_accepted(fields: dict[str, Any]) -> None:
    checked(**fields)


def test_limits_read_max_output_tokens() -> None:
    body = ResponsesRequest.model_validate({"model": "auto", "input": "x", "max_output_tokens": 9})
    assert body.requested_max_tokens() == 9
    assert body.include_usage()


def test_an_empty_input_is_invalid() -> None:
    with pytest.raises(ValueError, match="input"):
        ResponsesRequest.model_validate({"model": "auto", "input": []})
