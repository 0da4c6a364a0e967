"""Limits through the app: a 429 the OpenAI SDKs understand, one audit event per
refusal, refusals in /metrics, and leases returned when requests (streams too) end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.processes import dev_token

POLICY = f"""classifiers_from: {DEFAULT_POLICY}
limits:
  default: {{requests_per_minute: 3, concurrent: 1}}
  roles: [{{roles_any: [Hybridgate.Admin], requests_per_minute: 100}}]
"""
BODY = {"model": "auto", "messages": [{"role": "user", "content": "Say hello."}]}


@pytest.fixture
def client(tmp_path: Path, classifiers: Classifiers, monkeypatch: pytest.MonkeyPatch) -> Any:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(policy))
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    transports = {"edge": RecordingBackend().transport(), "cloud": RecordingBackend().transport()}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        yield test_client


def test_over_the_limit_is_an_openai_429_with_one_event_and_a_metric(
    client: TestClient, tmp_path: Path
) -> None:
    user = {"Authorization": f"Bearer {dev_token(tmp_path)}"}
    # Streams hold the caller's one concurrent place until they end, then give it back.
    for stream in (True, False, True):
        response = client.post(
            "/v1/chat/completions", json={**BODY, "stream": stream}, headers=user
        )
        assert response.status_code == 200, response.text
    refused = client.post("/v1/chat/completions", json=BODY, headers=user)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert (error["code"], error["type"]) == ("rate_limit_exceeded", "requests")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-ratelimit-limit-requests"] == "3"
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    admin = {
        "Authorization": f"Bearer {dev_token(tmp_path, user='ops', roles=['Hybridgate.Admin'])}"
    }
    assert client.post("/v1/chat/completions", json=BODY, headers=admin).status_code == 200
    metrics = client.get("/metrics", headers=admin).text
    assert 'hybridgate_rate_limited_total{reason="requests"} 1.0' in metrics
    client.close()
    events = list(iter_events(discover(tmp_path / "audit" / "audit.jsonl")))
    refusals = [e for e in events if e["status"] == 429]
    assert len(refusals) == 1
    assert refusals[0]["decision_id"] == refused.headers["x-hybridgate-decision-id"]
    assert refusals[0]["error_code"] == "rate_limit_exceeded"


def test_a_caller_told_to_wait_is_refused_until_then_before_its_body_is_read(
    client: TestClient, tmp_path: Path
) -> None:
    token = dev_token(tmp_path)
    user = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        assert client.post("/v1/chat/completions", json=BODY, headers=user).status_code == 200
    refused = client.post("/v1/chat/completions", json=BODY, headers=user)
    assert refused.status_code == 429
    # Back before its Retry-After with a body that is not even JSON: the same refusal,
    # so the body was not parsed (it would have been a 400).
    malformed = {**user, "content-type": "application/json"}
    held = client.post("/v1/chat/completions", content=b"{not json", headers=malformed)
    assert held.status_code == 429
    assert held.json()["error"] == refused.json()["error"]
    assert 1 <= int(held.headers["retry-after"]) <= int(refused.headers["retry-after"])
    assert held.headers["x-ratelimit-limit-requests"] == "3"
    # The hold is on the credential that was refused: the same user with another token
    # is asked about as usual (its malformed body is a 400 before any limit).
    other = dev_token(tmp_path, ttl_s=900)
    assert other != token
    fresh = {"Authorization": f"Bearer {other}", "content-type": "application/json"}
    assert (
        client.post("/v1/chat/completions", content=b"{not json", headers=fresh).status_code == 400
    )
    admin = {
        "Authorization": f"Bearer {dev_token(tmp_path, user='ops', roles=['Hybridgate.Admin'])}"
    }
    metrics = client.get("/metrics", headers=admin).text
    assert 'hybridgate_rate_limited_total{reason="requests"} 2.0' in metrics
    client.close()
    events = list(iter_events(discover(tmp_path / "audit" / "audit.jsonl")))
    refusals = [e for e in events if e["status"] == 429]
    # Each refusal is audited, the held one with the principal it was refused for.
    assert len(refusals) == 2
    assert refusals[0]["principal"] == refusals[1]["principal"] is not None
    assert refusals[1]["decision_id"] == held.headers["x-hybridgate-decision-id"]
