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


def test_mapping_is_not_reused_across_requests(client: TestClient, cloud: EchoCloud) -> None:
    client.post("/v1/chat/completions", json=body(stream=False))
    other = {"model": "auto", "messages": [{"role": "user", "content": "Thanks John Smith."}]}
    second = client.post("/v1/chat/completions", json=other).json()
    # Placeholders are numbered per request: John Smith is [PERSON_1] here.
    assert "[PERSON_1]" in cloud.bodies[-1]
    assert "Maria Garcia" not in second["choices"][0]["message"]["content"]
