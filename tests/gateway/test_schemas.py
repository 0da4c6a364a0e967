from __future__ import annotations

from gateway.schemas import ChatCompletionRequest, CompletionRequest


def test_payload_swaps_the_model_and_keeps_everything_else() -> None:
    body = {
        "model": "auto",
        "messages": [{"role": "user", "content": "hi", "name": "x"}],
        "temperature": 0,
        "seed": 7,
        "vendor_field": {"a": 1},
    }
    payload = ChatCompletionRequest.model_validate(body).upstream_payload("real-model")
    assert payload == body | {"model": "real-model"}


def test_payload_does_not_invent_defaults() -> None:
    body = {"model": "edge", "prompt": "x"}
    assert CompletionRequest.model_validate(body).upstream_payload("m") == {
        "model": "m",
        "prompt": "x",
    }
