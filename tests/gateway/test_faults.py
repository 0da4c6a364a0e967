"""Fault injection: the gateway forwarding to a real-socket upstream that is slow,
fails, resets or stalls on command; the edge is a healthy scripted backend."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.upstream import FaultyUpstream, faulty_upstream
from tests.gateway.test_app import Recorder
from tests.processes import dev_token

# "model: cloud" routes to the cloud under the default policy (rule caller-asked-for-cloud).
CLOUD = {"model": "cloud", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


@pytest.fixture
def cloud() -> Iterator[FaultyUpstream]:
    with faulty_upstream(delay_s=3.0) as server:
        yield server


@pytest.fixture
def no_fallback_policy(tmp_path: Path) -> Path:
    """The default policy without the cloud rules' fallback, so faults reach the caller."""
    path = tmp_path / "no-fallback.yaml"
    path.write_text(DEFAULT_POLICY.read_text().replace("fallback: edge", "fallback: null"))
    return path


def gateway(
    cloud: FaultyUpstream,
    edge: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    classifiers: Classifiers,
    policy: Path = DEFAULT_POLICY,
) -> TestClient:
    for key, value in {
        "SERVER__STATE_DIR": str(tmp_path),
        "POLICY__FILE": str(policy),
        "BACKENDS__CLOUD__URL": cloud.url,
        "BACKENDS__CLOUD__RETRIES": "0",
        "BACKENDS__CLOUD__TIMEOUTS__FIRST_BYTE_S": "0.5",
        "BACKENDS__CLOUD__TIMEOUTS__READ_S": "0.5",
        "BACKENDS__CLOUD__BREAKER_FAILURES": "2",
        "BACKENDS__CLOUD__BREAKER_COOLDOWN_S": "0.5",
    }.items():
        monkeypatch.setenv(f"HYBRIDGATE_{key}", value)
    transports = {"edge": httpx.MockTransport(edge)}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {dev_token(tmp_path)}"
    return client


def sse_events(response: httpx.Response) -> list[str]:
    return [line.removeprefix("data: ") for line in response.text.split("\n\n") if line]


@pytest.mark.parametrize("mode", ["slow_first_byte", "error_500"])
def test_a_failing_cloud_is_a_502_without_a_fallback(
    mode: str,
    cloud: FaultyUpstream,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    classifiers: Classifiers,
    no_fallback_policy: Path,
) -> None:
    cloud.mode = mode  # type: ignore[assignment]
    edge = Recorder("edge")
    with gateway(cloud, edge, monkeypatch, tmp_path, classifiers, no_fallback_policy) as client:
        response = client.post("/v1/chat/completions", json=CLOUD)
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "server_error"
    assert response.headers["x-hybridgate-route"] == "cloud"
    assert edge.requests == []


@pytest.mark.parametrize("mode", ["slow_first_byte", "error_500"])
def test_a_failing_cloud_falls_back_to_the_edge_when_the_rule_allows(
    mode: str,
    cloud: FaultyUpstream,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    classifiers: Classifiers,
) -> None:
    cloud.mode = mode  # type: ignore[assignment]
    edge = Recorder("edge")
    with gateway(cloud, edge, monkeypatch, tmp_path, classifiers) as client:
        response = client.post("/v1/chat/completions", json=CLOUD)
    assert response.status_code == 200
    assert response.json()["backend"] == "edge"
    assert response.headers["x-hybridgate-route"] == "edge"
    assert response.headers["x-hybridgate-fallback"] == "cloud->edge"
    assert cloud.requests == 1


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("reset_mid_stream", "upstream_stream_error"),
        # A clean close before [DONE]: the body looks whole, the stream is not.
        ("close_mid_stream", "upstream_stream_error"),
        ("stall", "upstream_timeout"),
    ],
)
def test_a_stream_that_breaks_after_the_first_byte_ends_well_formed(
    mode: str,
    code: str,
    cloud: FaultyUpstream,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    classifiers: Classifiers,
) -> None:
    cloud.mode = mode  # type: ignore[assignment]
    edge = Recorder("edge")
    with gateway(cloud, edge, monkeypatch, tmp_path, classifiers) as client:
        response = client.post("/v1/chat/completions", json=CLOUD | {"stream": True})
    assert response.status_code == 200
    events = sse_events(response)
    # Every event the client got is whole JSON: the relayed chunks, then the error.
    chunks = [json.loads(event) for event in events[:-1]]
    assert [c["choices"][0]["delta"]["content"] for c in chunks[:-1]] == ["part0 ", "part1 "]
    assert chunks[-1]["error"]["code"] == code
    assert events[-1] == "[DONE]"
    # Bytes had reached the client, so there was no fallback to replay on the edge.
    assert edge.requests == []
    # The status had gone out as 200; the audit event says how the stream really ended.
    (event,) = [
        e
        for e in iter_events(discover(tmp_path / "audit" / "audit.jsonl"))
        if e["path"] == "/v1/chat/completions"
    ]
    assert (event["status"], event["stream"], event["error_code"]) == (200, True, code)


def test_the_breaker_opens_fails_fast_and_recovers(
    cloud: FaultyUpstream,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    classifiers: Classifiers,
    no_fallback_policy: Path,
) -> None:
    cloud.mode = "error_500"
    edge = Recorder("edge")
    with gateway(cloud, edge, monkeypatch, tmp_path, classifiers, no_fallback_policy) as client:
        for _ in range(2):  # breaker_failures
            assert client.post("/v1/chat/completions", json=CLOUD).status_code == 502
        assert client.get("/readyz").json()["breakers"]["cloud"] == "open"
        admin = {"Authorization": f"Bearer {dev_token(tmp_path, roles=['Hybridgate.Admin'])}"}
        metrics = client.get("/metrics", headers=admin).text
        assert 'hybridgate_circuit_breaker_state{backend="cloud"} 2.0' in metrics
        response = client.post("/v1/chat/completions", json=CLOUD)
        assert response.status_code == 503
        assert "circuit breaker is open" in response.json()["error"]["message"]
        assert cloud.requests == 2  # the open breaker did not call the cloud

        cloud.mode = "ok"
        deadline = time.monotonic() + 10
        while client.get("/readyz").json()["breakers"]["cloud"] == "open":
            assert time.monotonic() < deadline, "the breaker never half-opened"
            time.sleep(0.1)
        response = client.post("/v1/chat/completions", json=CLOUD)
        assert response.status_code == 200
        assert response.json()["model"] == "fault-cloud"
        assert client.get("/readyz").json()["breakers"]["cloud"] == "closed"


@pytest.mark.parametrize(
    ("mode", "code"),
    [("reset_mid_stream", "upstream_stream_error"), ("stall", "upstream_timeout")],
)
@pytest.mark.parametrize("endpoint", ["/v1/completions", "/v1/responses"])
def test_every_streamed_endpoint_audits_how_a_broken_stream_ended(
    endpoint: str,
    mode: str,
    code: str,
    cloud: FaultyUpstream,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    classifiers: Classifiers,
) -> None:
    cloud.mode = mode  # type: ignore[assignment]
    body: dict[str, object] = {"model": "cloud", "stream": True, "max_tokens": 5}
    if endpoint == "/v1/responses":
        body = {"model": "cloud", "stream": True, "input": "hi", "max_output_tokens": 16}
    else:
        body["prompt"] = "hi"
    with gateway(cloud, Recorder("edge"), monkeypatch, tmp_path, classifiers) as client:
        response = client.post(endpoint, json=body)
    assert response.status_code == 200
    (event,) = [
        e
        for e in iter_events(discover(tmp_path / "audit" / "audit.jsonl"))
        if e["path"] == endpoint
    ]
    assert (event["status"], event["stream"], event["error_code"]) == (200, True, code)
