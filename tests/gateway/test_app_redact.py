"""Redact-then-cloud through the gateway with the real recognizers: the cloud upstream
never sees a planted value, and the caller gets the values back, streaming included."""

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
  - id: redact-people
    when: {{entities_any: [PERSON, EMAIL_ADDRESS, PHONE_NUMBER]}}
    route: redact_then_cloud
default: {{route: edge}}
"""
PLANTED = ("Maria Garcia", "maria.garcia77@gmail.com", "John Smith")
PROMPT = (
    "Maria Garcia (maria.garcia77@gmail.com) and John Smith disagree about the rollout. "
    "Write a detailed analysis of both positions for Maria Garcia."
)
PLACEHOLDER = re.compile(r"\[[A-Z_]+_\d+\]")


class EchoCloud:
    """Answers with every placeholder it received, in order, to test restoring."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        raw = request.content.decode()
        self.bodies.append(raw)
        body = json.loads(raw)
        tags = PLACEHOLDER.findall(json.dumps(body["messages"]))
        answer = "Summary for " + " / ".join(tags) + " and [PERSON_99]."
        if not body.get("stream"):
            return httpx.Response(
                200, json={"choices": [{"index": 0, "message": {"content": answer}}]}
            )
        # Split the answer every 3 characters: placeholders straddle chunks.
        pieces = [answer[i : i + 3] for i in range(0, len(answer), 3)]
        events = [
            {"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
            for p in pieces
        ] + [{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
        sse = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return httpx.Response(
            200, content=sse.encode(), headers={"content-type": "text/event-stream"}
        )


@pytest.fixture
def cloud() -> EchoCloud:
    return EchoCloud()


@pytest.fixture
def client(
    cloud: EchoCloud, classifiers: Classifiers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(policy))
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    app = create_app(load_settings(), {"cloud": httpx.MockTransport(cloud)}, classifiers)  # type: ignore[dict-item]
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {dev_token(tmp_path)}"
        yield test_client


def body(stream: bool) -> dict[str, Any]:
    return {"model": "auto", "stream": stream, "messages": [{"role": "user", "content": PROMPT}]}


def test_cloud_never_sees_planted_values_and_the_caller_gets_them_back(
    client: TestClient, cloud: EchoCloud
) -> None:
    response = client.post("/v1/chat/completions", json=body(stream=False))
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "cloud"
    for value in PLANTED:
        assert value not in cloud.bodies[0]
    answer = response.json()["choices"][0]["message"]["content"]
    assert "Maria Garcia" in answer
    assert "maria.garcia77@gmail.com" in answer
    assert "John Smith" in answer
    assert "[PERSON_99]" in answer  # invented by the model: passed through unchanged


def test_streamed_answers_are_restored_across_chunk_boundaries(
    client: TestClient, cloud: EchoCloud
) -> None:
    with client.stream("POST", "/v1/chat/completions", json=body(stream=True)) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    text = "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content", "") for line in lines[:-1]
    )
    for value in PLANTED:
        assert value not in cloud.bodies[0]
        assert value in text
    assert "[PERSON_99]" in text


@pytest.mark.parametrize(
    "encoded",
    [
        "bWFyaWEuZ2FyY2lhNzdAZ21haWwuY29t",  # base64
        "https://crm.example/u?email=maria.garcia77%40gmail.com&tab=2",  # percent
        "maria.garcia77&#64;gmail&period;com",  # HTML entities
        "Sm9obiBTbWl0aA==",  # base64 of a name
    ],
)
def test_an_encoded_value_is_redacted_whole_and_restored_as_it_was_written(
    client: TestClient, cloud: EchoCloud, encoded: str
) -> None:
    prompt = f"Write a detailed analysis of the complaint from {encoded} about the rollout."
    request = {"model": "auto", "messages": [{"role": "user", "content": prompt}]}
    response = client.post("/v1/chat/completions", json=request)
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "cloud"
    sent = json.loads(cloud.bodies[-1])["messages"][0]["content"]
    assert encoded not in sent
    for value in ("maria.garcia77", "John Smith", "gmail"):
        assert value not in sent
    # The whole encoded span became one placeholder, which restores to it.
    assert PLACEHOLDER.search(sent)
    assert encoded in response.json()["choices"][0]["message"]["content"]


def test_mapping_is_not_reused_across_requests(client: TestClient, cloud: EchoCloud) -> None:
    client.post("/v1/chat/completions", json=body(stream=False))
    other = {"model": "auto", "messages": [{"role": "user", "content": "Thanks John Smith."}]}
    second = client.post("/v1/chat/completions", json=other).json()
    # Placeholders are numbered per request: John Smith is [PERSON_1] here.
    assert "[PERSON_1]" in cloud.bodies[-1]
    assert "Maria Garcia" not in second["choices"][0]["message"]["content"]


class NativeEchoCloud:
    """A native Responses backend that answers with every placeholder it received,
    split every 3 characters across deltas when streaming."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        raw = request.content.decode()
        self.bodies.append(raw)
        body = json.loads(raw)
        assert request.url.path == "/v1/responses"
        answer = "Summary for " + " / ".join(PLACEHOLDER.findall(raw)) + " and [PERSON_99]."
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": answer, "annotations": []}],
        }
        response = {
            "id": "resp_1",
            "object": "response",
            "created_at": 0,
            "model": body["model"],
            "status": "completed",
            "output": [message],
            "instructions": body.get("instructions"),
        }
        if not body.get("stream"):
            return httpx.Response(200, json=response)
        ids = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
        pieces = [answer[i : i + 3] for i in range(0, len(answer), 3)]
        events = [
            {
                "type": "response.created",
                "response": {**response, "output": [], "status": "in_progress"},
            },
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**message, "content": []},
            },
            {
                "type": "response.content_part.added",
                **ids,
                "part": {**message["content"][0], "text": ""},
            },  # type: ignore[dict-item]
            *({"type": "response.output_text.delta", **ids, "delta": p} for p in pieces),
            {"type": "response.output_text.done", **ids, "text": answer},
            {"type": "response.content_part.done", **ids, "part": message["content"][0]},  # type: ignore[index]
            {"type": "response.output_item.done", "output_index": 0, "item": message},
            {"type": "response.completed", "response": response},
        ]
        sse = "".join(
            f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': i})}\n\n"
            for i, e in enumerate(events)
        )
        return httpx.Response(
            200, content=sse.encode(), headers={"content-type": "text/event-stream"}
        )


def responses_client(
    cloud: Any, classifiers: Classifiers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(policy))
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    if isinstance(cloud, NativeEchoCloud):
        monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__RESPONSES", "native")
    app = create_app(load_settings(), {"cloud": httpx.MockTransport(cloud)}, classifiers)  # type: ignore[dict-item]
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {dev_token(tmp_path)}"
    return client


RESPONSES_BODY = {
    "model": "auto",
    "instructions": "You help Maria Garcia.",
    "input": [{"role": "user", "content": [{"type": "input_text", "text": PROMPT}]}],
}


@pytest.mark.parametrize("backend", [EchoCloud, NativeEchoCloud])
def test_responses_are_restored_whole(
    backend: type[Any], classifiers: Classifiers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = backend()
    with responses_client(cloud, classifiers, tmp_path, monkeypatch) as client:
        response = client.post("/v1/responses", json=RESPONSES_BODY)
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "cloud"
    body = response.json()
    answer = body["output"][0]["content"][0]["text"]
    for value in PLANTED:
        assert value not in cloud.bodies[0]
        assert value in answer
    assert "[PERSON_99]" in answer
    assert body["instructions"] == "You help Maria Garcia."  # the echo, restored too


@pytest.mark.parametrize("backend", [EchoCloud, NativeEchoCloud])
def test_responses_streams_are_restored_across_deltas(
    backend: type[Any], classifiers: Classifiers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud = backend()
    with (
        responses_client(cloud, classifiers, tmp_path, monkeypatch) as client,
        client.stream("POST", "/v1/responses", json={**RESPONSES_BODY, "stream": True}) as response,
    ):
        assert response.status_code == 200
        events = [
            json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")
        ]
    text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
    done = next(e["text"] for e in events if e["type"] == "response.output_text.done")
    final = events[-1]["response"]
    assert events[-1]["type"] == "response.completed"
    for value in PLANTED:
        assert value not in cloud.bodies[0]
        assert value in text
    assert done == text == final["output"][0]["content"][0]["text"]
    assert "[PERSON_99]" in text
    assert "Maria Garcia" in final["instructions"]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
