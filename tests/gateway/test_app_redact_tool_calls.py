"""Redact-then-cloud with values that JSON must escape: a placeholder the cloud puts in
a tool call's arguments comes back as the value, and the arguments stay valid JSON, in
chat and Responses answers, whole and streamed (placeholders split across deltas)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.processes import dev_token

POLICY = f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: redact-secrets
    when: {{entities_any: [PERSON, PASSWORD]}}
    route: redact_then_cloud
default: {{route: edge}}
"""
# What the shipped recognizers find, as they find it: a name with quotes in it, and a
# password whose backslash reads as a JSON escape (\n) if it is not escaped itself.
PERSON = 'Maria "Mia" Garcia'
PASSWORD = "password is Tr0ub\\n4dor"
PROMPT = f"Ask {PERSON} to log in; the {PASSWORD} for the admin account."
PLACEHOLDER = re.compile(r"\[[A-Z_]+_\d+\]")
PIECE = 3  # streamed arguments are split this often: placeholders straddle deltas


def arguments_for(raw_request: str, body: dict[str, Any]) -> str:
    """Tool-call arguments (JSON text): an earlier call's, repeated, where the request
    has one; else naming every placeholder the cloud was sent."""
    for message in body.get("messages") or ():
        for call in message.get("tool_calls") or ():
            return str(call["function"]["arguments"])
    tags = list(dict.fromkeys(PLACEHOLDER.findall(raw_request)))
    return json.dumps({"values": tags, "note": "for [PERSON_99]"})


def sse(events: list[dict[str, Any]], named: bool) -> httpx.Response:
    lines = "".join(
        (f"event: {e['type']}\n" if named else "") + f"data: {json.dumps(e)}\n\n" for e in events
    )
    if not named:
        lines += "data: [DONE]\n\n"
    return httpx.Response(
        200, content=lines.encode(), headers={"content-type": "text/event-stream"}
    )


def chat_answer(body: dict[str, Any], arguments: str) -> httpx.Response:
    call = {"id": "call_1", "type": "function", "function": {"name": "login"}}
    if not body.get("stream"):
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{**call, "function": {"name": "login", "arguments": arguments}}],
        }
        choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
        return httpx.Response(200, json={"object": "chat.completion", "choices": [choice]})
    pieces = [arguments[i : i + PIECE] for i in range(0, len(arguments), PIECE)]
    first = {**call, "index": 0, "function": {"name": "login", "arguments": ""}}
    deltas = [first] + [{"index": 0, "function": {"arguments": p}} for p in pieces]
    events = [
        {"choices": [{"index": 0, "delta": {"tool_calls": [d]}, "finish_reason": None}]}
        for d in deltas
    ] + [{"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}]
    return sse(events, named=False)


def native_answer(body: dict[str, Any], arguments: str) -> httpx.Response:
    item = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "login",
        "arguments": arguments,
        "status": "completed",
    }
    response = {
        "id": "resp_1",
        "object": "response",
        "created_at": 0,
        "model": body["model"],
        "status": "completed",
        "output": [item],
    }
    if not body.get("stream"):
        return httpx.Response(200, json=response)
    ids = {"item_id": "fc_1", "output_index": 0}
    pieces = [arguments[i : i + PIECE] for i in range(0, len(arguments), PIECE)]
    events: list[dict[str, Any]] = [
        {
            "type": "response.created",
            "response": {**response, "output": [], "status": "in_progress"},
        },
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "arguments": ""},
        },
        *({"type": "response.function_call_arguments.delta", **ids, "delta": p} for p in pieces),
        {"type": "response.function_call_arguments.done", **ids, "arguments": arguments},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": response},
    ]
    return sse([{**e, "sequence_number": i} for i, e in enumerate(events)], named=True)


class ToolCallCloud:
    """Answers every request with one tool call whose arguments hold the placeholders
    it was sent; a native Responses backend on /v1/responses."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        raw = request.content.decode()
        self.bodies.append(raw)
        body = json.loads(raw)
        arguments = arguments_for(raw, body)
        if request.url.path == "/v1/responses":
            return native_answer(body, arguments)
        return chat_answer(body, arguments)


@pytest.fixture
def cloud() -> ToolCallCloud:
    return ToolCallCloud()


def client_for(
    cloud: ToolCallCloud,
    classifiers: Classifiers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    responses: str = "translate",
) -> TestClient:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(policy))
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__RESPONSES", responses)
    app = create_app(load_settings(), {"cloud": httpx.MockTransport(cloud)}, classifiers)
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {dev_token(tmp_path)}"
    return client


@pytest.fixture
def chat(
    cloud: ToolCallCloud,
    classifiers: Classifiers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    with client_for(cloud, classifiers, tmp_path, monkeypatch) as client:
        yield client


def assert_restored(arguments: str, cloud: ToolCallCloud) -> None:
    for value in (PERSON, PASSWORD, "Tr0ub"):
        assert value not in cloud.bodies[-1]
    parsed = json.loads(arguments)  # valid JSON, whatever the values hold
    assert sorted(parsed["values"]) == sorted([PERSON, PASSWORD])
    assert parsed["note"] == "for [PERSON_99]"  # invented by the model: unchanged


def chat_body(stream: bool) -> dict[str, Any]:
    return {"model": "auto", "stream": stream, "messages": [{"role": "user", "content": PROMPT}]}


def test_chat_tool_call_arguments_are_restored_as_valid_json(
    chat: TestClient, cloud: ToolCallCloud
) -> None:
    response = chat.post("/v1/chat/completions", json=chat_body(stream=False))
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "cloud"
    call = response.json()["choices"][0]["message"]["tool_calls"][0]
    assert_restored(call["function"]["arguments"], cloud)


def test_streamed_chat_tool_call_arguments_are_restored_as_valid_json(
    chat: TestClient, cloud: ToolCallCloud
) -> None:
    with chat.stream("POST", "/v1/chat/completions", json=chat_body(stream=True)) as response:
        assert response.status_code == 200
        assert response.headers["x-hybridgate-route"] == "cloud"
        lines = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    arguments = "".join(
        call["function"].get("arguments", "")
        for line in lines[:-1]
        for choice in json.loads(line)["choices"]
        for call in choice["delta"].get("tool_calls", [])
    )
    assert_restored(arguments, cloud)


RESPONSES_BODY = {"model": "auto", "input": PROMPT}


@pytest.mark.parametrize("responses", ["translate", "native"])
def test_responses_function_call_arguments_are_restored_as_valid_json(
    cloud: ToolCallCloud,
    classifiers: Classifiers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    responses: str,
) -> None:
    with client_for(cloud, classifiers, tmp_path, monkeypatch, responses) as client:
        response = client.post("/v1/responses", json=RESPONSES_BODY)
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "cloud"
    item = response.json()["output"][0]
    assert item["type"] == "function_call"
    assert_restored(item["arguments"], cloud)


@pytest.mark.parametrize("responses", ["translate", "native"])
def test_streamed_responses_function_call_arguments_are_restored_as_valid_json(
    cloud: ToolCallCloud,
    classifiers: Classifiers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    responses: str,
) -> None:
    with (
        client_for(cloud, classifiers, tmp_path, monkeypatch, responses) as client,
        client.stream("POST", "/v1/responses", json={**RESPONSES_BODY, "stream": True}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["x-hybridgate-route"] == "cloud"
        events = [
            json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")
        ]
    deltas = "".join(
        e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"
    )
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    final = events[-1]
    assert final["type"] == "response.completed"
    assert_restored(deltas, cloud)
    assert_restored(done["arguments"], cloud)
    assert_restored(final["response"]["output"][0]["arguments"], cloud)


def test_a_value_found_in_tool_call_arguments_goes_back_as_it_was_written(
    chat: TestClient, cloud: ToolCallCloud
) -> None:
    """A value first seen inside JSON text (an earlier call's arguments) is already
    escaped there: it is not escaped twice. The cloud repeats that call."""
    earlier = json.dumps({"user": PERSON, "note": "rotate the " + PASSWORD})
    call = {"id": "c0", "type": "function", "function": {"name": "login", "arguments": earlier}}
    body = {
        "model": "auto",
        "messages": [
            {"role": "user", "content": "Log the admin in again."},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c0", "content": "session expired"},
        ],
    }
    response = chat.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "cloud"
    sent = cloud.bodies[-1]
    assert "Mia" not in sent
    assert "Tr0ub" not in sent
    arguments = response.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == json.loads(earlier)
