"""A native backend's Responses stream on its way out: placeholders restored across
deltas, events numbered again, usage and errors metered, a break ended as the
Responses protocol ends a failure."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from gateway.policy.redact import Restorer
from gateway.record import RequestRecord
from gateway.responses.relay import ResponsesRelay
from gateway.telemetry.stream_meter import StreamMeter

ORIGINALS = {"[EMAIL_ADDRESS_1]": "maria@example.com", "[PERSON_1]": "Maria Garcia"}
RESPONSE = {"id": "resp_1", "object": "response", "status": "in_progress", "output": []}


def sse(kind: str, sequence: int, **fields: Any) -> bytes:
    body = {"type": kind, "sequence_number": sequence, **fields}
    return f"event: {kind}\ndata: {json.dumps(body)}\n\n".encode()


def text_stream(pieces: list[str]) -> list[bytes]:
    ids = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    text = "".join(pieces)
    done = {**RESPONSE, "status": "completed", "usage": {"input_tokens": 7, "output_tokens": 3}}
    done["output"] = [
        {"type": "message", "id": "msg_1", "content": [{"type": "output_text", "text": text}]}
    ]
    return [
        sse("response.created", 0, response=RESPONSE),
        *(sse("response.output_text.delta", i + 1, **ids, delta=p) for i, p in enumerate(pieces)),
        sse("response.output_text.done", len(pieces) + 1, **ids, text=text),
        sse("response.completed", len(pieces) + 2, response=done),
    ]


async def source(events: list[bytes]) -> AsyncIterator[bytes]:
    for event in events:
        yield event


async def relay(events: list[bytes], relay: ResponsesRelay) -> list[dict[str, Any]]:
    out = b"".join([e async for e in relay.events(source(events))])
    return [json.loads(b.split("\ndata: ", 1)[1]) for b in out.decode().split("\n\n") if b]


async def test_placeholders_split_across_deltas_are_restored() -> None:
    answer = "Dear [PERSON_1], write to [EMAIL_ADDRESS_1] soon."
    pieces = [answer[i : i + 4] for i in range(0, len(answer), 4)]
    events = await relay(text_stream(pieces), ResponsesRelay(Restorer(ORIGINALS)))
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert deltas == "Dear Maria Garcia, write to maria@example.com soon."
    done = next(e for e in events if e["type"] == "response.output_text.done")
    assert done["text"] == deltas
    completed = events[-1]["response"]["output"][0]["content"][0]["text"]
    assert completed == deltas
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


async def test_a_tail_held_at_the_end_goes_out_before_done() -> None:
    # The answer ends in what could have become a placeholder: held, then let go.
    pieces = ["Hi [PERS", "ON_1] and [PERS"]
    events = await relay(text_stream(pieces), ResponsesRelay(Restorer(ORIGINALS)))
    kinds = [e["type"] for e in events]
    assert kinds.count("response.output_text.delta") == 3  # the held tail, added
    deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    assert deltas == "Hi Maria Garcia and [PERS"
    assert kinds.index("response.output_text.done") > max(
        i for i, k in enumerate(kinds) if k == "response.output_text.delta"
    )
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


async def test_function_call_arguments_deltas_are_restored_as_json() -> None:
    originals = {"[PERSON_1]": 'Maria "Mia" Garcia', "[PASSWORD_1]": "Tr0ub\\n4dor"}
    arguments = '{"who": "[PERSON_1]", "secret": "[PASSWORD_1]"}'
    pieces = [arguments[i : i + 5] for i in range(0, len(arguments), 5)]
    ids = {"item_id": "fc_1", "output_index": 0}
    kind = "response.function_call_arguments"
    events = [
        *(sse(f"{kind}.delta", i, **ids, delta=p) for i, p in enumerate(pieces)),
        sse(f"{kind}.done", len(pieces), **ids, arguments=arguments),
    ]
    out = await relay(events, ResponsesRelay(Restorer(originals)))
    deltas = "".join(e["delta"] for e in out if e["type"] == f"{kind}.delta")
    expected = {"who": 'Maria "Mia" Garcia', "secret": "Tr0ub\\n4dor"}
    assert json.loads(deltas) == expected
    assert json.loads(out[-1]["arguments"]) == expected


async def test_usage_and_tokens_are_metered() -> None:
    record = RequestRecord("d", "r", "POST", "/v1/responses")
    meter = StreamMeter(record, forward_usage=True)
    await relay(text_stream(["a", "b"]), ResponsesRelay(None, meter.observe_responses_event))
    assert (record.tokens_in, record.tokens_out) == (7, 3)
    assert record.ttft_s is not None


async def test_a_break_ends_with_error_and_response_failed() -> None:
    broke = {
        "error": {"message": "the cloud backend stream broke", "code": "upstream_stream_error"}
    }
    events = [
        *text_stream(["a"])[:2],
        b"data: " + json.dumps(broke).encode() + b"\n\n",
        b"data: [DONE]\n\n",
    ]
    record = RequestRecord("d", "r", "POST", "/v1/responses")
    meter = StreamMeter(record, forward_usage=True)
    out = await relay(events, ResponsesRelay(None, meter.observe_responses_event))
    assert [e["type"] for e in out[-2:]] == ["error", "response.failed"]
    assert out[-2]["code"] == "upstream_stream_error"
    assert out[-1]["response"]["id"] == "resp_1"
    assert out[-1]["response"]["status"] == "failed"


async def test_streamed_function_call_arguments_stay_valid_json() -> None:
    # A value from plain text with a quote and a backslash, restored inside the JSON
    # text of a function call's arguments, split across deltas.
    restorer = Restorer({"[PASSWORD_1]": 'pa"ss\\w0rd', "[PERSON_1]": "Maria Garcia"})
    arguments = '{"user": "[PERSON_1]", "password": "[PASSWORD_1]"}'
    pieces = [arguments[i : i + 5] for i in range(0, len(arguments), 5)]
    ids = {"item_id": "fc_1", "output_index": 0}
    item = {"type": "function_call", "id": "fc_1", "name": "login", "arguments": arguments}
    done = {**RESPONSE, "status": "completed", "output": [item]}
    kind = "response.function_call_arguments"
    stream = [
        sse("response.created", 0, response=RESPONSE),
        *(sse(f"{kind}.delta", i + 1, **ids, delta=p) for i, p in enumerate(pieces)),
        sse(f"{kind}.done", len(pieces) + 1, **ids, arguments=arguments),
        sse("response.completed", len(pieces) + 2, response=done),
    ]
    events = await relay(stream, ResponsesRelay(restorer))
    streamed = "".join(e["delta"] for e in events if e["type"] == f"{kind}.delta")
    expected = {"user": "Maria Garcia", "password": 'pa"ss\\w0rd'}
    assert json.loads(streamed) == expected
    finished = next(e for e in events if e["type"] == f"{kind}.done")
    assert json.loads(finished["arguments"]) == expected
    assert json.loads(events[-1]["response"]["output"][0]["arguments"]) == expected
