"""The official openai SDK's Responses API (`client.responses.create`, streamed and
not, and `client.responses.stream`) against the gateway in front of a real edge server.
The cloud-routed prompts against a real Ray Serve cloud are in tests/e2e/test_cloud.py."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from tests.processes import Service

pytestmark = pytest.mark.e2e

QUESTION = "What is the capital of Japan?"
COMPLEX = (
    "Compare the trade-offs between optimistic and pessimistic locking in a distributed "
    "database, and explain step by step when each one is the better choice."
)


@pytest.fixture(scope="module")
def client(gateway_server: Service, token: str) -> OpenAI:
    return OpenAI(base_url=f"{gateway_server.url}/v1", api_key=token, max_retries=0)


def test_a_simple_prompt_is_answered_by_the_edge(client: OpenAI) -> None:
    raw = client.responses.with_raw_response.create(
        model="auto", input=QUESTION, temperature=0, max_output_tokens=30
    )
    response = raw.parse()
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert response.status in ("completed", "incomplete")
    assert response.model == "smollm2-135m-instruct"
    assert "Tokyo" in response.output_text
    assert response.usage is not None
    assert response.usage.output_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


def test_the_stream_joins_into_the_non_streamed_answer(client: OpenAI) -> None:
    params = {
        "model": "edge",
        "instructions": "Answer in one short sentence.",
        "input": [{"role": "user", "content": QUESTION}],
        "temperature": 0,
        "max_output_tokens": 40,
    }
    whole = client.responses.create(**params)  # type: ignore[call-overload]
    events = list(client.responses.create(**params, stream=True))  # type: ignore[call-overload]
    kinds = [event.type for event in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-1] in ("response.completed", "response.incomplete")
    assert [event.sequence_number for event in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == whole.output_text
    final = events[-1].response  # type: ignore[union-attr]
    assert final.output_text == text
    assert final.usage is not None
    assert final.usage.output_tokens == whole.usage.output_tokens  # type: ignore[union-attr]


def test_the_stream_helper_gives_the_final_response(client: OpenAI) -> None:
    # Room for the whole answer: a cut one ends with response.incomplete, and the
    # SDK's helper then has no final response to give (as with OpenAI).
    with client.responses.stream(
        model="edge",
        instructions="Answer in one short sentence.",
        input=QUESTION,
        max_output_tokens=200,
        temperature=0,
    ) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert deltas
    assert "".join(deltas) == final.output_text


def test_a_complex_prompt_falls_back_to_the_edge_when_the_cloud_is_down(client: OpenAI) -> None:
    # This module's gateway has a dead cloud URL; the default policy allows the edge.
    raw = client.responses.with_raw_response.create(
        model="auto", input=COMPLEX, max_output_tokens=10
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert raw.headers["x-hybridgate-fallback"] == "cloud->edge"
    assert raw.parse().output_text


def test_a_sensitive_request_for_the_cloud_is_refused(client: OpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.responses.create(
            model="cloud",
            instructions="The caller's SSN is 536-22-8741.",
            input="Explain my tax options.",
        )
    assert caught.value.body["code"] == "policy_denied"  # type: ignore[index]


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"previous_response_id": "resp_123"}, "previous_response_id"),
        ({"store": True}, "store"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
    ],
)
def test_stateful_and_hosted_features_are_refused_by_name(
    client: OpenAI, fields: dict[str, object], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="auto", input=QUESTION, **fields)  # type: ignore[arg-type]
    assert caught.value.body["param"] == param  # type: ignore[index]
