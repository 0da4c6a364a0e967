"""POST /v1/responses through the app, driven by the official openai SDK (its
`responses.create` and `responses.stream`) over the in-process app: the translation
to a chat-completions backend and back, function tools both ways, a native backend,
the audit event, refusals by name, a stream broken mid-way."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from openai import OpenAI

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.fakes.upstream import faulty_upstream
from tests.processes import dev_token

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The current weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
# The backends' real model names (the settings' defaults), sent in place of the virtual one.
EDGE_MODEL = "smollm2-135m-instruct"
CLOUD_MODEL = "cloud-smollm2-135m"
COMPLEX = (
    "Compare the trade-offs between optimistic and pessimistic locking in a distributed "
    "database, and explain step by step when each one is the better choice."
)


class Gateway:
    def __init__(
        self,
        client: TestClient,
        sdk: OpenAI,
        edge: RecordingBackend,
        cloud: RecordingBackend,
        state: Path,
    ) -> None:
        self.client, self.sdk, self.edge, self.cloud, self.state = client, sdk, edge, cloud, state

    def audit(self) -> list[dict[str, Any]]:
        return list(iter_events(discover(self.state / "audit" / "audit.jsonl")))


GatewayFactory = Callable[..., Gateway]


@pytest.fixture
def make_gateway(
    classifiers: Classifiers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GatewayFactory]:
    clients: list[TestClient] = []

    def build(
        edge: RecordingBackend | None = None,
        cloud: RecordingBackend | None = None,
        transports: dict[str, httpx.AsyncBaseTransport] | None = None,
        **env: str,
    ) -> Gateway:
        monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(DEFAULT_POLICY))
        monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
        for key, value in env.items():
            monkeypatch.setenv(f"HYBRIDGATE_{key}", value)
        edge = edge or RecordingBackend("edge-model")
        cloud = cloud or RecordingBackend("cloud-model")
        given = {"edge": edge.transport(), "cloud": cloud.transport(), **(transports or {})}
        app = create_app(load_settings(), given, classifiers)  # type: ignore[arg-type]
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        # The SDK over the in-process app: TestClient is an httpx.Client.
        sdk = OpenAI(
            base_url="http://testserver/v1",
            api_key=dev_token(tmp_path),
            http_client=client,
            max_retries=0,
        )
        return Gateway(client, sdk, edge, cloud, tmp_path)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def gateway(make_gateway: GatewayFactory) -> Gateway:
    return make_gateway()


def test_create_translates_to_chat_and_back(gateway: Gateway) -> None:
    raw = gateway.sdk.responses.with_raw_response.create(
        model="edge",
        instructions="Answer in one word.",
        input="What is the capital of Japan?",
        max_output_tokens=16,
        temperature=0,
        metadata={"ticket": "42"},
    )
    response = raw.parse()
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert response.object == "response"
    assert response.id.startswith("resp_")
    assert response.status == "completed"
    assert response.output_text == "ok"
    assert response.model == EDGE_MODEL
    assert response.metadata == {"ticket": "42"}
    assert response.usage is not None
    assert response.usage.output_tokens == 1
    sent = gateway.edge.bodies[-1]
    assert gateway.edge.urls[-1].path == "/v1/chat/completions"
    assert sent == {
        "model": EDGE_MODEL,
        "messages": [
            {"role": "system", "content": "Answer in one word."},
            {"role": "user", "content": "What is the capital of Japan?"},
        ],
        "max_tokens": 16,
        "temperature": 0,
    }
    (event,) = gateway.audit()
    assert (event["path"], event["route"], event["status"]) == ("/v1/responses", "edge", 200)
    assert event["tokens"]["in"] == 3
    assert event["tokens"]["out"] == 1


def test_stream_true_yields_the_sdk_event_types(gateway: Gateway) -> None:
    events = list(gateway.sdk.responses.create(model="edge", input="Hi", stream=True))
    kinds = [event.type for event in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert "response.output_text.delta" in kinds
    assert kinds[-1] == "response.completed"
    assert [event.sequence_number for event in events] == list(range(len(events)))
    final = events[-1].response  # type: ignore[union-attr]
    assert final.output_text == "ok"
    assert gateway.edge.bodies[-1]["stream"] is True
    (event,) = gateway.audit()
    assert (event["path"], event["stream"], event["error_code"]) == ("/v1/responses", True, None)
    assert event["latency_ms"]["ttft"] is not None  # the stream was metered


def test_the_stream_helper_accumulates_the_final_response(gateway: Gateway) -> None:
    with gateway.sdk.responses.stream(model="edge", input="Hi") as stream:
        text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == final.output_text == "ok"


@pytest.mark.parametrize("stream", [False, True])
def test_a_function_tool_call_comes_back_as_a_function_call_item(
    make_gateway: GatewayFactory, stream: bool
) -> None:
    edge = RecordingBackend("edge-model", tool_call='{"city": "Oslo"}')
    gateway = make_gateway(edge=edge)
    if stream:
        with gateway.sdk.responses.stream(
            model="edge",
            input="Weather in Oslo?",
            tools=[WEATHER],
            tool_choice="required",  # type: ignore[list-item]
        ) as events:
            response = events.get_final_response()
    else:
        response = gateway.sdk.responses.create(
            model="edge",
            input="Weather in Oslo?",
            tools=[WEATHER],
            tool_choice="required",  # type: ignore[list-item]
        )
    (call,) = response.output
    assert call.type == "function_call"
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Oslo"})
    assert call.call_id == "call_recorded"
    sent = edge.bodies[-1]
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {k: WEATHER[k] for k in ("name", "description", "parameters", "strict")},
        }
    ]
    assert sent["tool_choice"] == "required"


def test_a_function_call_output_goes_back_as_chat_tool_messages(gateway: Gateway) -> None:
    gateway.sdk.responses.create(
        model="edge",
        tools=[WEATHER],  # type: ignore[list-item]
        input=[
            {"role": "user", "content": "Weather in Oslo?"},
            {
                "type": "function_call",
                "call_id": "call_9",
                "name": "get_weather",
                "arguments": '{"city":"Oslo"}',
            },
            {"type": "function_call_output", "call_id": "call_9", "output": "Sunny, 21 C"},
        ],
    )
    assert gateway.edge.bodies[-1]["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_9",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_9", "content": "Sunny, 21 C"},
    ]


def test_structured_output_is_sent_as_response_format(make_gateway: GatewayFactory) -> None:
    edge = RecordingBackend("edge-model", answer='{"capital": "Tokyo"}')
    gateway = make_gateway(edge=edge)
    schema = {
        "type": "object",
        "properties": {"capital": {"type": "string"}},
        "required": ["capital"],
        "additionalProperties": False,
    }
    response = gateway.sdk.responses.create(
        model="edge",
        input="Capital of Japan?",
        text={
            "format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": True}
        },
    )
    assert json.loads(response.output_text) == {"capital": "Tokyo"}
    assert edge.bodies[-1]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": schema, "strict": True},
    }


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"store": True}, "store"),
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type"),
        ({"reasoning": {"effort": "high"}}, "reasoning"),
        ({"include": ["message.output_text.logprobs"]}, "include"),
    ],
)
def test_unsupported_fields_are_a_400_naming_them(
    gateway: Gateway, fields: dict[str, Any], param: str
) -> None:
    body = {"model": "edge", "input": "Hi", **fields}
    with pytest.raises(openai.BadRequestError) as refused:
        gateway.sdk.responses.create(**body)
    assert refused.value.body["param"] == param  # type: ignore[index]
    assert refused.value.body["code"] == "unsupported_parameter"  # type: ignore[index]
    assert gateway.edge.bodies == []


def test_an_invalid_body_is_a_400_naming_the_field(gateway: Gateway) -> None:
    auth = {"Authorization": f"Bearer {dev_token(gateway.state)}"}
    response = gateway.client.post("/v1/responses", json={"model": "edge"}, headers=auth)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "input"


def test_a_native_backend_gets_the_responses_body_on_its_own_path(
    make_gateway: GatewayFactory,
) -> None:
    gateway = make_gateway(BACKENDS__CLOUD__RESPONSES="native")
    response = gateway.sdk.responses.create(
        model="cloud", input=COMPLEX, instructions="Be thorough.", max_output_tokens=50, user="u1"
    )
    assert response.output_text == "ok"
    assert gateway.cloud.urls[-1].path == "/v1/responses"
    # As sent, but for the model and what the cloud's allow-list drops (`user`).
    assert gateway.cloud.bodies[-1] == {
        "model": CLOUD_MODEL,
        "input": COMPLEX,
        "instructions": "Be thorough.",
        "max_output_tokens": 50,
    }
    with gateway.sdk.responses.stream(model="cloud", input=COMPLEX) as stream:
        assert stream.get_final_response().output_text == "ok"
    events = gateway.audit()
    assert [(e["route"], e["tokens"]["out"]) for e in events] == [("cloud", 1), ("cloud", 1)]


def test_a_sensitive_request_for_the_cloud_is_refused(gateway: Gateway) -> None:
    with pytest.raises(openai.PermissionDeniedError):
        gateway.sdk.responses.create(
            model="cloud",
            input=[{"type": "function_call_output", "call_id": "c", "output": "SSN 536-22-8741"}],
        )
    assert gateway.cloud.bodies == []


def test_an_unreachable_cloud_falls_back_to_the_edge(make_gateway: GatewayFactory) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    gateway = make_gateway(transports={"cloud": httpx.MockTransport(unreachable)})
    raw = gateway.sdk.responses.with_raw_response.create(model="cloud", input=COMPLEX)
    assert raw.headers["x-hybridgate-fallback"] == "cloud->edge"
    assert raw.parse().output_text == "ok"


@pytest.mark.parametrize("responses", ["translate", "native"])
@pytest.mark.parametrize("mode", ["reset_mid_stream", "close_mid_stream"])
def test_a_stream_that_breaks_mid_way_ends_with_response_failed(
    make_gateway: GatewayFactory, monkeypatch: pytest.MonkeyPatch, mode: str, responses: str
) -> None:
    with faulty_upstream() as cloud:
        cloud.mode = mode  # type: ignore[assignment]
        monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__URL", cloud.url)
        monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__RESPONSES", responses)
        gateway = make_gateway(transports={"cloud": None})  # type: ignore[dict-item]
        events = list(gateway.sdk.responses.create(model="cloud", input=COMPLEX, stream=True))
    kinds = [event.type for event in events]
    assert kinds[-2:] == ["error", "response.failed"]
    assert events[-2].code == "upstream_stream_error"  # type: ignore[union-attr]
    failed = events[-1].response  # type: ignore[union-attr]
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.code == "server_error"
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")  # type: ignore[union-attr]
    assert deltas == "part0 part1 "
    if responses == "translate":
        # What had arrived before the break is in the failed response's items (a native
        # backend's failed response is the last whole one it sent).
        assert failed.output[0].content[0].text == deltas  # type: ignore[union-attr]
    (event,) = gateway.audit()
    assert event["status"] == 200
    # The audit says how the stream really ended.
    assert (event["stream"], event["error_code"]) == (True, "upstream_stream_error")
    assert [event.sequence_number for event in events] == list(range(len(events)))
