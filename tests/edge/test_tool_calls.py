"""Reading a tool-enabled answer piece by piece: text, or a call streamed as it comes."""

from __future__ import annotations

import json

import pytest

from edge.tool_calls import Arguments, CallStarted, ReaderEvent, Text, ToolCall, ToolCallReader

CALL = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris", "days": {"n": 2}}} '


def _read(pieces: list[str]) -> tuple[list[ReaderEvent], ToolCall | None]:
    reader = ToolCallReader()
    events: list[ReaderEvent] = []
    for piece in pieces:
        events += reader.feed(piece)
    rest, call = reader.finish()
    return events + rest, call


def _split(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 100])
def test_a_call_streams_its_name_then_its_arguments_whatever_the_split(size: int) -> None:
    events, call = _read(_split(CALL, size))
    assert call is not None
    assert call.complete
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Paris", "days": {"n": 2}}
    starts = [e for e in events if isinstance(e, CallStarted)]
    assert len(starts) == 1
    assert starts[0].name == "get_weather"
    assert starts[0].id == call.id
    assert call.id.startswith("call_")
    # What the SDK accumulates from the fragments is exactly the final arguments.
    streamed = "".join(e.fragment for e in events if isinstance(e, Arguments))
    assert streamed == call.arguments
    assert not any(isinstance(e, Text) for e in events)
    assert events.index(starts[0]) < next(
        i for i, e in enumerate(events) if isinstance(e, Arguments)
    )


def test_text_is_passed_through_at_once() -> None:
    events, call = _read(["Hello", " there", " <b>"])
    assert call is None
    assert events == [Text("Hello"), Text(" there"), Text(" <b>")]


def test_a_partial_marker_is_held_until_it_decides() -> None:
    reader = ToolCallReader()
    assert reader.feed("<tool") == []
    assert reader.feed("_call>") == []
    assert reader.feed('{"name": "f"') == []
    events = reader.feed(', "arguments": ')
    assert len(events) == 1
    assert isinstance(events[0], CallStarted)
    assert events[0].name == "f"


def test_a_call_cut_inside_its_arguments_is_incomplete() -> None:
    _events, call = _read(['<tool_call>{"name": "f", "arguments": {"city": "Par'])
    assert call is not None
    assert not call.complete
    assert call.arguments == '{"city": "Par'


def test_a_call_cut_before_its_name_closes_is_text() -> None:
    events, call = _read(['<tool_call>{"name": "ge'])
    assert call is None
    assert "".join(e.text for e in events if isinstance(e, Text)) == '<tool_call>{"name": "ge'


def test_an_answer_ending_inside_the_marker_is_text() -> None:
    events, call = _read(["<too"])
    assert call is None
    assert events == [Text("<too")]


def test_arguments_ending_in_spaces_and_braces_are_not_cut() -> None:
    text = '<tool_call> {"name":"f","arguments":{"a": {"b": "x} "}}}'
    events, call = _read(_split(text, 1))
    assert call is not None
    assert call.complete
    assert json.loads(call.arguments) == {"a": {"b": "x} "}}
    assert "".join(e.fragment for e in events if isinstance(e, Arguments)) == call.arguments
