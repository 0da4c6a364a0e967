"""Function tools and structured output through /v1/responses to the real edge: the
gateway translates them to chat-completions `tools` and `response_format`, which the
edge enforces with a grammar (edge tool calling and constrained decoding, issue 17)."""

from __future__ import annotations

import json

import pytest
from openai import OpenAI

from tests.processes import Service

pytestmark = pytest.mark.e2e

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The current weather in a city",
    "parameters": {
        "type": "object",
        # Bounded, so that the call always ends within max_output_tokens.
        "properties": {"city": {"type": "string", "maxLength": 30}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
# The card number keeps the request on the edge under `model: auto`.
SENSITIVE = "My account number is 4111 1111 1111 1111. What is the weather in Oslo?"


@pytest.fixture(scope="module")
def client(gateway_server: Service, token: str) -> OpenAI:
    return OpenAI(base_url=f"{gateway_server.url}/v1", api_key=token, max_retries=0)


@pytest.mark.parametrize("stream", [False, True])
def test_a_forced_tool_call_returns_valid_arguments(client: OpenAI, stream: bool) -> None:
    params = {
        "model": "auto",
        "input": SENSITIVE,
        "tools": [WEATHER],
        "tool_choice": "required",
        "max_output_tokens": 120,
    }
    if stream:
        with client.responses.stream(**params) as events:  # type: ignore[arg-type]
            response = events.get_final_response()
    else:
        raw = client.responses.with_raw_response.create(**params)  # type: ignore[call-overload]
        assert raw.headers["x-hybridgate-route"] == "edge"
        response = raw.parse()
    calls = [item for item in response.output if item.type == "function_call"]
    assert calls
    assert calls[0].name == "get_weather"
    arguments = json.loads(calls[0].arguments)
    assert isinstance(arguments["city"], str)
    assert set(arguments) == {"city"}


def test_a_json_schema_answer_validates(client: OpenAI) -> None:
    schema = {
        "type": "object",
        # Bounded strings: a 135M model can ramble inside a string past any token
        # limit, and a cut answer is `incomplete`, not invalid.
        "properties": {
            "city": {"type": "string", "maxLength": 30},
            "country": {"type": "string", "maxLength": 30},
        },
        "required": ["city", "country"],
        "additionalProperties": False,
    }
    response = client.responses.create(
        model="edge",
        input="Name a city in Japan and its country.",
        text={"format": {"type": "json_schema", "name": "place", "schema": schema, "strict": True}},
        max_output_tokens=120,
    )
    assert response.status == "completed"
    answer = json.loads(response.output_text)
    assert set(answer) == {"city", "country"}
    assert all(isinstance(v, str) for v in answer.values())
