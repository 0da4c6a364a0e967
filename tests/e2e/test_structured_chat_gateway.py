"""Structured outputs and forced tool calls through the gateway's chat completions
with `model: auto`: a sensitive prompt is routed to the edge, whose grammar makes the
answer valid (issue 17). The official SDK's `parse` and tool-call types read it."""

from __future__ import annotations

import json

import jsonschema
import pytest
from openai import OpenAI
from pydantic import BaseModel, Field

from tests.processes import Service

pytestmark = pytest.mark.e2e

# A card number and a patient: the default policy keeps this on the edge.
SENSITIVE = (
    "Patient Maria Keller, card 4111 1111 1111 1111, was seen for asthma on 3 March. "
    "Summarise the visit."
)
SUMMARY_TOOL = {
    "type": "function",
    "function": {
        "name": "file_summary",
        "description": "Files a short visit summary",
        "parameters": {
            "type": "object",
            "properties": {
                "condition": {"type": "string", "maxLength": 40},
                "follow_up_weeks": {"type": "integer"},
            },
            "required": ["condition", "follow_up_weeks"],
            "additionalProperties": False,
        },
    },
}


class Visit(BaseModel):
    # Bounded, so that a 135M model's rambling cannot run past max_tokens.
    condition: str = Field(max_length=40)
    urgent: bool


@pytest.fixture(scope="module")
def client(gateway_server: Service, token: str) -> OpenAI:
    return OpenAI(base_url=f"{gateway_server.url}/v1", api_key=token, max_retries=0)


def test_parse_through_the_gateway_stays_on_the_edge_and_validates(client: OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.parse(
        model="auto",
        messages=[{"role": "user", "content": SENSITIVE}],
        response_format=Visit,
        max_tokens=120,
        temperature=0,
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    parsed = raw.parse().choices[0].message.parsed
    assert isinstance(parsed, Visit)


@pytest.mark.parametrize("tool_choice", ["required", "named"])
def test_a_forced_tool_call_through_the_gateway_is_valid(client: OpenAI, tool_choice: str) -> None:
    choice: object = (
        {"type": "function", "function": {"name": "file_summary"}}
        if tool_choice == "named"
        else "required"
    )
    raw = client.chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "user", "content": SENSITIVE}],
        tools=[SUMMARY_TOOL],  # type: ignore[list-item]
        tool_choice=choice,  # type: ignore[arg-type]
        max_tokens=120,
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    choice_out = raw.parse().choices[0]
    assert choice_out.finish_reason == "tool_calls"
    calls = choice_out.message.tool_calls or []
    assert len(calls) == 1
    assert calls[0].function.name == "file_summary"  # type: ignore[union-attr]
    arguments = json.loads(calls[0].function.arguments)  # type: ignore[union-attr]
    jsonschema.validate(arguments, SUMMARY_TOOL["function"]["parameters"])  # type: ignore[index]
