"""Chat-completions stream -> Responses stream events: every event parses as the
openai SDK's own event model, numbers run from 0, and the SDK's stream accumulator
rebuilds the same response the events end with."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, get_args

from openai import omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import ResponseStreamEvent
from pydantic import BaseModel

from gateway.responses.stream import ChatToResponses


class _Events:
    """The SDK's event models by their `type` (its union is discriminated by the
    SDK's own machinery, which pydantic does not read)."""

    def __init__(self) -> None:
        union = get_args(get_args(ResponseStreamEvent)[0])
        self._by_type: dict[str, type[BaseModel]] = {
            get_args(model.model_fields["type"].annotation)[0]: model for model in union
        }

    def validate_python(self, event: dict[str, Any]) -> BaseModel:
        return self._by_type[event["type"]].model_validate(event)


EVENTS = _Events()
REQUEST = {"model": "m", "input": "Hi"}
USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
    body = {"model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps({**body, **extra}).encode() + b"\n\n"


def usage_chunk() -> bytes:
    return b"data: " + json.dumps({"choices": [], "usage": USAGE}).encode() + b"\n\n"


async def source(*events: bytes) -> AsyncIterator[bytes]:
    for event in events:
        yield event


async def translate(*events: bytes, request: dict[str, Any] = REQUEST) -> list[dict[str, Any]]:
    out = b"".join([e async for e in ChatToResponses(request).events(source(*events))])
    parsed = []
    for block in out.decode().split("\n\n"):
        if not block:
            continue
        name, data = block.split("\n")
        body = json.loads(data.removeprefix("data: "))
        assert name == f"event: {body['type']}"
        parsed.append(body)
    return parsed


def accumulate(events: list[dict[str, Any]], request: dict[str, Any] = REQUEST) -> Any:
    """What `client.responses.stream` makes of the events."""
    state: ResponseStreamState[Any] = ResponseStreamState(input_tools=[], text_format=omit)
    for event in events:
        state.handle_event(EVENTS.validate_python(event))
    return state


DONE = b"data: [DONE]\n\n"


async def test_a_text_stream() -> None:
    events = await translate(
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo."}),
        chunk({}, "stop"),
        usage_chunk(),
        DONE,
    )
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    for event in events:
        EVENTS.validate_python(event)
    assert events[6]["text"] == "Hello."
    completed = events[-1]["response"]
    assert completed["status"] == "completed"
    assert completed["usage"]["output_tokens"] == 2
    assert completed["id"] == events[0]["response"]["id"]
    state = accumulate(events)
    assert state._completed_response is not None
    assert state._completed_response.output_text == "Hello."


async def test_a_tool_call_stream() -> None:
    first = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "f", "arguments": ""},
    }
    events = await translate(
        chunk({"role": "assistant", "tool_calls": [first]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty":"Oslo"}'}}]}),
        chunk(
            {
                "tool_calls": [
                    {"index": 1, "id": "call_2", "function": {"name": "g", "arguments": "{}"}}
                ]
            }
        ),
        chunk({}, "tool_calls"),
        usage_chunk(),
        DONE,
    )
    kinds = [e["type"] for e in events]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    for event in events:
        EVENTS.validate_python(event)
    assert events[5]["arguments"] == '{"city":"Oslo"}'
    output = events[-1]["response"]["output"]
    assert [(i["call_id"], i["name"], i["arguments"]) for i in output] == [
        ("call_1", "f", '{"city":"Oslo"}'),
        ("call_2", "g", "{}"),
    ]
    state = accumulate(events)
    assert [o.arguments for o in state._completed_response.output] == ['{"city":"Oslo"}', "{}"]


async def test_text_then_a_call() -> None:
    call = {"index": 0, "id": "c", "function": {"name": "f", "arguments": "{}"}}
    events = await translate(
        chunk({"content": "Let me check."}),
        chunk({"tool_calls": [call]}),
        chunk({}, "tool_calls"),
        DONE,
    )
    output = events[-1]["response"]["output"]
    assert [i["type"] for i in output] == ["message", "function_call"]
    accumulate(events)


async def test_a_length_cut_ends_incomplete() -> None:
    events = await translate(chunk({"content": "Once"}), chunk({}, "length"), DONE)
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    EVENTS.validate_python(events[-1])


async def test_an_empty_answer_is_one_empty_message() -> None:
    events = await translate(chunk({}, "stop"), DONE)
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == ""
    accumulate(events)


async def test_a_stream_without_done_still_completes() -> None:
    events = await translate(chunk({"content": "x"}, "stop"))
    assert events[-1]["type"] == "response.completed"


async def test_an_error_mid_stream_is_an_error_event_and_response_failed() -> None:
    error = {
        "error": {
            "message": "the cloud backend stream broke",
            "type": "server_error",
            "code": "upstream_stream_error",
        }
    }
    events = await translate(
        chunk({"content": "part"}), b"data: " + json.dumps(error).encode() + b"\n\n", DONE
    )
    assert [e["type"] for e in events[-2:]] == ["error", "response.failed"]
    assert events[-2]["code"] == "upstream_stream_error"
    failed = events[-1]["response"]
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "server_error", "message": error["error"]["message"]}
    for event in events:
        EVENTS.validate_python(event)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


async def test_the_drain_ending_continues_the_numbering() -> None:
    translation = ChatToResponses(REQUEST)
    out = [e async for e in translation.events(source(chunk({"content": "x"})))]
    ending = translation.failure("shutting down", "shutting_down").decode()
    numbers = [
        json.loads(line[6:])["sequence_number"]
        for line in ending.split("\n")
        if line.startswith("data: ")
    ]
    assert numbers[0] == sum(e.count(b"\ndata: ") for e in out)


async def test_the_echoed_request_is_restored() -> None:
    request = {**REQUEST, "instructions": "Write to [EMAIL_ADDRESS_1]"}
    restore = lambda body: json.loads(json.dumps(body).replace("[EMAIL_ADDRESS_1]", "a@b.c"))  # noqa: E731
    out = b"".join([e async for e in ChatToResponses(request, restore).events(source(DONE))])
    assert b"[EMAIL_ADDRESS_1]" not in out
    assert b"a@b.c" in out
