"""From a chat request to its grammar, tool instructions and answer mode."""

from __future__ import annotations

from typing import Any

import pytest

from common.errors import InvalidRequest, UnsupportedParameter
from edge.constraints import constraint_for
from edge.grammars import GrammarCache
from edge.schemas import ChatCompletionRequest

BASE: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": PARAMS}},
    {"type": "function", "function": {"name": "get_time"}},
]


def _constraint(**fields: Any) -> Any:
    request = ChatCompletionRequest.model_validate(BASE | fields)
    return constraint_for(request, GrammarCache())


def test_plain_text_has_no_grammar() -> None:
    constraint = _constraint()
    assert constraint.grammar is None
    assert constraint.instructions is None
    assert constraint.tool_mode == "none"
    assert _constraint(response_format={"type": "text"}).grammar is None


def test_response_formats_become_grammars() -> None:
    assert "root ::=" in _constraint(response_format={"type": "json_object"}).grammar
    schema_format = {"type": "json_schema", "json_schema": {"name": "c", "schema": PARAMS}}
    grammar = _constraint(response_format=schema_format).grammar
    assert '"\\"city\\""' in grammar


@pytest.mark.parametrize(
    ("choice", "mode", "offered"),
    [
        (None, "auto", ["get_weather", "get_time"]),
        ("auto", "auto", ["get_weather", "get_time"]),
        ("required", "required", ["get_weather", "get_time"]),
        ({"type": "function", "function": {"name": "get_time"}}, "required", ["get_time"]),
    ],
)
def test_tool_choices(choice: Any, mode: str, offered: list[str]) -> None:
    constraint = _constraint(tools=TOOLS, **({"tool_choice": choice} if choice else {}))
    assert constraint.tool_mode == mode
    for name in ("get_weather", "get_time"):
        assert (name in constraint.instructions) == (name in offered)
        assert (f'\\"{name}\\"' in constraint.grammar) == (name in offered)
    # With auto, a text answer is one of the grammar's alternatives.
    assert ("text ::=" in constraint.grammar) == (mode == "auto")


def test_tool_choice_none_offers_nothing() -> None:
    constraint = _constraint(tools=TOOLS, tool_choice="none")
    assert constraint.grammar is None
    assert constraint.instructions is None


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"tool_choice": "required"}, "tool_choice"),
        (
            {"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "x"}}},
            "tool_choice",
        ),
        ({"tools": [TOOLS[1], TOOLS[1]]}, "tools"),
    ],
)
def test_inconsistent_tool_fields_are_400(fields: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _constraint(**fields)
    assert caught.value.param == param


def test_every_tools_schema_is_checked_even_when_another_is_named() -> None:
    bad = {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "integer", "minimum": 0}},
    }
    with pytest.raises(UnsupportedParameter) as caught:
        _constraint(
            tools=[*TOOLS, bad], tool_choice={"type": "function", "function": {"name": "get_time"}}
        )
    assert caught.value.param == "tools[2].function.parameters"


def test_a_repeated_schema_is_built_once() -> None:
    cache = GrammarCache(size=2)
    request = ChatCompletionRequest.model_validate(
        BASE | {"response_format": {"type": "json_object"}}
    )
    first = constraint_for(request, cache).grammar
    assert constraint_for(request, cache).grammar is first
