"""StreamMeter: what it reads from a stream and what it lets through."""

from __future__ import annotations

import json

from gateway.record import RequestRecord
from gateway.telemetry.stream_meter import StreamMeter


def event(body: object) -> bytes:
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def token(text: str) -> bytes:
    return event({"choices": [{"index": 0, "delta": {"content": text}}]})


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_first_token_gaps_and_usage_are_recorded() -> None:
    clock = Clock()
    record = RequestRecord("dec-1", "req-1", "POST", "/v1/chat/completions", started=99.0)
    meter = StreamMeter(record, forward_usage=True, clock=clock)
    role = event({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
    assert meter(role) == role  # no token yet
    assert record.ttft_s is None
    meter(token("a"))
    clock.now = 100.5
    meter(token("b"))
    clock.now = 101.5
    meter(token("c"))
    usage = {
        "prompt_tokens": 5,
        "completion_tokens": 3,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    assert meter(event({"choices": [], "usage": usage}))
    assert record.ttft_s == 1.0
    assert record.inter_token_s == [0.5, 1.0]
    assert record.generation_s == 1.5
    assert (record.tokens_in, record.tokens_out, record.cached_tokens) == (5, 3, 4)


def test_usage_the_client_did_not_ask_for_is_dropped() -> None:
    record = RequestRecord("dec-1", "req-1", "POST", "/v1/completions")
    meter = StreamMeter(record, forward_usage=False)
    assert (
        meter(event({"choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 1}})) == b""
    )
    assert record.tokens_out == 1
    text = event({"choices": [{"index": 0, "text": "x"}], "usage": None})
    assert meter(text) == text


def test_error_events_and_done_pass_through_and_set_the_error_code() -> None:
    record = RequestRecord("dec-1", "req-1", "POST", "/v1/completions")
    meter = StreamMeter(record, forward_usage=False)
    error = event(
        {"error": {"message": "broke", "type": "server_error", "code": "upstream_timeout"}}
    )
    assert meter(error) == error
    assert meter(b"data: [DONE]\n\n") == b"data: [DONE]\n\n"
    assert record.error_code == "upstream_timeout"
