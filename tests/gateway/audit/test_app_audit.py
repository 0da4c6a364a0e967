"""The record stage in the app: one audit event per request, whatever its fate, and
fail-closed when the log cannot be written. Backends are scripted (httpx.MockTransport)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.audit.verify import verify
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.processes import dev_token

USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 3,
    "total_tokens": 15,
    "prompt_tokens_details": {"cached_tokens": 8},
    "queue_time_ms": 4.5,
}
SSE_CHUNKS = [
    {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
    {"choices": [{"index": 0, "delta": {"content": "Hel"}}]},
    {"choices": [{"index": 0, "delta": {"content": "lo"}}]},
    {"choices": [], "usage": USAGE},
]

# The edge's /readyz: three of eight slots decoding, nobody waiting.
EDGE_READY = {
    "status": "ready",
    "in_flight": 3,
    "slots_busy": 3,
    "slots_total": 8,
    "queue_depth": 0,
}


def backend(name: str) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=EDGE_READY)
        body = json.loads(request.content)
        if body.get("stream"):
            assert body["stream_options"]["include_usage"] is True
            sse = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in SSE_CHUNKS)
            return httpx.Response(
                200,
                content=sse + b"data: [DONE]\n\n",
                headers={"content-type": "text/event-stream"},
            )
        message = {"role": "assistant", "content": "ok"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return httpx.Response(
            200, json={"model": body["model"], "choices": [choice], "usage": USAGE}
        )

    return httpx.MockTransport(answer)


def refused() -> httpx.MockTransport:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    return httpx.MockTransport(refuse)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HYBRIDGATE_SERVER__MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__RETRIES", "0")
    return tmp_path


def audit_files(state: Path) -> list[Path]:
    return discover(state / "audit" / "audit.jsonl")


def events(state: Path) -> list[dict[str, Any]]:
    return list(iter_events(audit_files(state)))


def app_client(classifiers: Classifiers, cloud: httpx.MockTransport | None = None) -> TestClient:
    transports = {"edge": backend("edge"), "cloud": cloud or backend("cloud")}
    return TestClient(create_app(load_settings(), transports, classifiers))  # type: ignore[arg-type]


def chat(content: str, model: str = "auto", **extra: object) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def mixed_requests(client: TestClient, token: str) -> list[httpx.Response]:
    auth = {"Authorization": f"Bearer {token}"}
    return [
        client.post("/v1/chat/completions", json=chat("Say hello"), headers=auth),
        client.post("/v1/chat/completions", json=chat("Say hello", stream=True), headers=auth),
        client.post("/v1/completions", json={"model": "cloud", "prompt": "hi"}, headers=auth),
        # Denied: a restricted prompt asked of the cloud by name.
        client.post(
            "/v1/chat/completions", json=chat("My SSN is 078-05-1120", "cloud"), headers=auth
        ),
        # Failed: the cloud refuses connections and the policy (model: cloud, but with a
        # fallback) sends it to the edge; an unknown model is a 404.
        client.post("/v1/chat/completions", json=chat("hi", "gpt-4"), headers=auth),
        client.post("/v1/chat/completions", content=b"{not json", headers=auth),
        client.post("/v1/chat/completions", content=b"x" * 5000, headers=auth),
        client.get("/v1/nowhere", headers=auth),
        client.get("/v1/models", headers=auth),
        # Unauthenticated.
        client.post("/v1/chat/completions", json=chat("hi")),
        client.post(
            "/v1/chat/completions", json=chat("hi"), headers={"Authorization": "Bearer nope"}
        ),
        client.get("/metrics", headers=auth),  # refused: not an admin
    ]


def test_every_request_gets_exactly_one_event_and_the_chain_verifies(
    state: Path, classifiers: Classifiers
) -> None:
    with app_client(classifiers) as client:
        responses = mixed_requests(client, dev_token(state))
        client.get("/healthz")  # probes are not audited
        client.get("/readyz")
    statuses = [r.status_code for r in responses]
    assert statuses == [200, 200, 200, 403, 404, 400, 413, 404, 200, 401, 401, 403]
    logged = events(state)
    assert len(logged) == len(responses)
    assert [e["decision_id"] for e in logged] == [
        r.headers["x-hybridgate-decision-id"] for r in responses
    ]
    assert [e["status"] for e in logged] == statuses
    assert [e["seq"] for e in logged] == list(range(1, len(responses) + 1))
    report = verify(audit_files(state))
    assert report.ok, report.describe()
    assert report.events == len(responses)


def test_a_routed_event_carries_the_decision_signals_latencies_and_tokens(
    state: Path, classifiers: Classifiers
) -> None:
    with app_client(classifiers) as client:
        response = client.post(
            "/v1/chat/completions",
            json=chat("Say hello"),
            headers={"Authorization": f"Bearer {dev_token(state)}", "x-request-id": "req-42"},
        )
    (event,) = events(state)
    assert event["kind"] == "decision"
    assert event["request_id"] == "req-42"
    assert event["policy_revision"] == response.headers["x-hybridgate-policy-revision"]
    assert (event["route"], event["backend"], event["rule"]) == ("edge", "edge", "default")
    assert event["model"] == "smollm2-135m-instruct"
    assert event["requested_model"] == "auto"
    assert event["sensitivity"]["level"] == "public"
    assert event["complexity"]["label"] == "simple"
    assert event["tokens"] == {"in": 12, "out": 3, "cached": 8}
    latency = event["latency_ms"]
    assert latency["classification"] > 0
    assert latency["queue"] == 4.5
    assert latency["total"] >= latency["classification"]
    # Principals are keyed hashes by default, never the ids in the clear.
    principal = event["principal"]
    assert principal["hashed"] is True
    assert principal["oid"].startswith("hmac-sha256:")


def test_a_stream_records_first_token_usage_and_hides_usage_it_was_not_asked_for(
    state: Path, classifiers: Classifiers
) -> None:
    with app_client(classifiers) as client:
        response = client.post(
            "/v1/chat/completions",
            json=chat("Say hello", stream=True),
            headers={"Authorization": f"Bearer {dev_token(state)}"},
        )
    assert b'"usage"' not in response.content  # the client did not ask for it
    (event,) = events(state)
    assert event["stream"] is True
    assert (event["status"], event["error_code"]) == (200, None)  # it ran to its end
    assert event["tokens"] == {"in": 12, "out": 3, "cached": 8}
    assert event["latency_ms"]["ttft"] is not None


def test_denied_failed_and_refused_requests_are_told_apart(
    state: Path, classifiers: Classifiers
) -> None:
    with app_client(classifiers, cloud=refused()) as client:
        token = dev_token(state)
        auth = {"Authorization": f"Bearer {token}"}
        client.post(
            "/v1/chat/completions", json=chat("My SSN is 078-05-1120", "cloud"), headers=auth
        )
        client.post(
            "/v1/chat/completions",
            json=chat("Compare optimistic and pessimistic locking step by step", "cloud"),
            headers=auth,
        )
        client.post(
            "/v1/chat/completions", json=chat("hi"), headers={"Authorization": "Bearer x.y.z"}
        )
    denied, fell_back, refused_auth = events(state)
    assert (denied["route"], denied["status"], denied["error_code"]) == (
        "deny",
        403,
        "policy_denied",
    )
    assert denied["sensitivity"]["level"] == "restricted"
    # Entity types and counts only, never the values.
    assert all(isinstance(n, int) for n in denied["sensitivity"]["entities"].values())
    assert (fell_back["route"], fell_back["fallback"], fell_back["status"]) == (
        "edge",
        "cloud->edge",
        200,
    )
    assert refused_auth["kind"] == "security"
    assert refused_auth["status"] == 401
    assert refused_auth["error_code"] == "invalid_token"
    assert refused_auth["reason"]
    assert refused_auth["principal"] is None


def test_clear_principals_when_configured(
    state: Path, classifiers: Classifiers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDGATE_AUDIT__PRINCIPAL", "clear")
    with app_client(classifiers) as client:
        client.post(
            "/v1/chat/completions",
            json=chat("Say hello"),
            headers={"Authorization": f"Bearer {dev_token(state, user='alice')}"},
        )
    (event,) = events(state)
    assert event["principal"]["hashed"] is False
    assert event["principal"]["oid"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "hybridgate-dev:alice"))


@pytest.fixture
def unwritable_log(state: Path) -> Path:
    """The audit file points at /dev/full: every write fails with ENOSPC, as on a
    full disk."""
    audit_dir = state / "audit"
    audit_dir.mkdir()
    active = audit_dir / "audit.jsonl"
    active.symlink_to("/dev/full")
    return active


def test_fail_closed_refuses_requests_it_cannot_audit(
    state: Path, classifiers: Classifiers, unwritable_log: Path
) -> None:
    with app_client(classifiers) as client:
        auth = {"Authorization": f"Bearer {dev_token(state)}"}
        first = client.post("/v1/chat/completions", json=chat("Say hello"), headers=auth)
        second = client.post("/v1/chat/completions", json=chat("Say hello"), headers=auth)
        for response in (first, second):
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "audit_unavailable"
            assert "x-hybridgate-decision-id" in response.headers
        # The disk frees up. The next request is still refused up front, but its event
        # is the write that shows the log works again; the one after it is served.
        unwritable_log.unlink()
        third = client.post("/v1/chat/completions", json=chat("Say hello"), headers=auth)
        fourth = client.post("/v1/chat/completions", json=chat("Say hello"), headers=auth)
    assert (third.status_code, fourth.status_code) == (503, 200)
    logged = events(state)
    assert [e["decision_id"] for e in logged] == [
        r.headers["x-hybridgate-decision-id"] for r in (third, fourth)
    ]
    assert logged[0]["error_code"] == "audit_unavailable"


def test_fail_open_serves_requests_it_cannot_audit(
    state: Path,
    classifiers: Classifiers,
    unwritable_log: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HYBRIDGATE_AUDIT__ON_FAILURE", "fail_open")
    with app_client(classifiers) as client:
        auth = {"Authorization": f"Bearer {dev_token(state)}"}
        response = client.post("/v1/chat/completions", json=chat("Say hello"), headers=auth)
        assert response.status_code == 200
        metrics = client.get(
            "/metrics",
            headers={"Authorization": f"Bearer {dev_token(state, roles=['Hybridgate.Admin'])}"},
        )
    assert "hybridgate_audit_write_failures_total 1.0" in metrics.text


def run_cli(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env=dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _edit(lines: list[bytes]) -> list[bytes]:
    event = json.loads(lines[2])
    event["route"] = "edge" if event["route"] != "edge" else "cloud"
    return [
        *lines[:2],
        json.dumps(event, sort_keys=True, separators=(",", ":")).encode() + b"\n",
        *lines[3:],
    ]


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        (_edit, "altered"),
        (lambda lines: lines[:2] + lines[3:], "deleted or reordered"),
        (lambda lines: [*lines[:2], lines[3], lines[2], *lines[4:]], "deleted or reordered"),
    ],
    ids=["edit", "delete", "reorder"],
)
def test_audit_verify_names_the_first_tampered_position(
    state: Path, classifiers: Classifiers, tamper: Any, kind: str
) -> None:
    with app_client(classifiers) as client:
        mixed_requests(client, dev_token(state))
    assert run_cli("audit", "verify", state=state).returncode == 0
    active = state / "audit" / "audit.jsonl"
    active.write_bytes(b"".join(tamper(active.read_bytes().splitlines(keepends=True))))
    done = run_cli("audit", "verify", str(active), state=state)
    assert done.returncode == 1
    assert f"{active}:3" in done.stdout
    assert kind in done.stdout


def test_audit_verify_finds_events_cut_off_the_end(state: Path, classifiers: Classifiers) -> None:
    with app_client(classifiers) as client:
        responses = mixed_requests(client, dev_token(state))
    active = state / "audit" / "audit.jsonl"
    lines = active.read_bytes().splitlines(keepends=True)
    active.write_bytes(b"".join(lines[:-2]))
    done = run_cli("audit", "verify", state=state)
    assert done.returncode == 1
    assert f"truncated at {active}:{len(responses) - 1}" in done.stdout
    # A head recorded elsewhere (here: the one the log really ended at) works the same.
    last = json.loads(lines[-1])
    head = f"{last['seq']}:{last['hash']}"
    assert run_cli("audit", "verify", str(active), "--head", head, state=state).returncode == 1
    assert run_cli("audit", "verify", "--head", "nonsense", state=state).returncode == 2


def test_audit_query_filters_and_finds_hashed_principals(
    state: Path, classifiers: Classifiers
) -> None:
    with app_client(classifiers) as client:
        mixed_requests(client, dev_token(state, user="alice"))
        client.post(
            "/v1/chat/completions",
            json=chat("Say hello"),
            headers={"Authorization": f"Bearer {dev_token(state, user='bob')}"},
        )
    denied = run_cli("audit", "query", "--route", "deny", "--json", state=state)
    assert [json.loads(line)["status"] for line in denied.stdout.splitlines()] == [403]
    bob_oid = str(uuid.uuid5(uuid.NAMESPACE_URL, "hybridgate-dev:bob"))  # the dev issuer's
    bob = run_cli("audit", "query", "--principal", bob_oid, "--json", state=state)
    assert len(bob.stdout.splitlines()) == 1
    table = run_cli("audit", "query", "--level", "restricted", state=state)
    assert "policy" not in table.stderr
    assert len(table.stdout.splitlines()) == 2  # header + the denied request


def test_an_unexpected_failure_is_a_500_with_headers_and_one_event(
    state: Path, classifiers: Classifiers
) -> None:
    app = create_app(load_settings(), {"edge": backend("edge")}, classifiers)  # type: ignore[dict-item]

    @app.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app) as client:
        response = client.get("/v1/boom", headers={"Authorization": f"Bearer {dev_token(state)}"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "a bug" not in response.text
    (event,) = events(state)
    assert event["decision_id"] == response.headers["x-hybridgate-decision-id"]
    assert (event["status"], event["error_code"]) == (500, "internal_error")


def test_a_policy_can_ask_for_redacted_prompts_in_the_events(
    state: Path, classifiers: Classifiers, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = state / "policy.yaml"
    policy.write_text(DEFAULT_POLICY.read_text() + "\naudit:\n  redacted_prompts: true\n")
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(policy))
    prompt = "Card 4111 1111 1111 1111 was declined for jane.doe@contoso.com, why?"
    with app_client(classifiers) as client:
        client.post(
            "/v1/chat/completions",
            json=chat(prompt),
            headers={"Authorization": f"Bearer {dev_token(state)}"},
        )
    (event,) = events(state)
    (message,) = event["prompt"]
    assert message["role"] == "user"
    assert re.fullmatch(
        r"Card \[CREDIT_CARD_1\] was declined for \[EMAIL_ADDRESS_1\], why\?", message["text"]
    )
    raw = b"".join(p.read_bytes() for p in audit_files(state))
    assert b"4111" not in raw
    assert b"jane.doe" not in raw


def test_events_hold_no_prompt_by_default(state: Path, classifiers: Classifiers) -> None:
    with app_client(classifiers) as client:
        client.post(
            "/v1/chat/completions",
            json=chat("Say hello"),
            headers={"Authorization": f"Bearer {dev_token(state)}"},
        )
    (event,) = events(state)
    assert "prompt" not in event


def test_each_event_names_its_replica(
    state: Path, classifiers: Classifiers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDGATE_SERVER__REPLICA_ID", "hg-2")
    with app_client(classifiers) as client:
        mixed_requests(client, dev_token(state))
    logged = events(state)
    assert {e["replica"] for e in logged} == {"hg-2"}  # decisions and security events
    assert {e["kind"] for e in logged} == {"decision", "security"}


def test_the_replica_defaults_to_the_host_name(state: Path, classifiers: Classifiers) -> None:
    with app_client(classifiers) as client:
        client.post(
            "/v1/chat/completions",
            json=chat("Say hello"),
            headers={"Authorization": f"Bearer {dev_token(state)}"},
        )
    (event,) = events(state)
    assert event["replica"] == socket.gethostname()
