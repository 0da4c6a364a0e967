from __future__ import annotations

from gateway.schemas import ChatCompletionRequest, CompletionRequest


def test_the_body_keeps_every_field_the_caller_sent() -> None:
    body = {
        "model": "auto",
        "messages": [{"role": "user", "content": "hi", "name": "x"}],
        "temperature": 0,
        "seed": 7,
        "vendor_field": {"a": 1},
    }
    # The backend's own model replaces "model" later, as the request is forwarded
    # (tests/gateway/test_app.py, test_virtual_model_routes_to_backend).
    assert ChatCompletionRequest.model_validate(body).as_json() == body


def test_the_body_does_not_invent_defaults() -> None:
    body = {"model": "edge", "prompt": "x"}
    assert CompletionRequest.model_validate(body).as_json() == body
