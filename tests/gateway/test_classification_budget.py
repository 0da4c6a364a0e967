"""A request past its classification budget is answered, and what was not read stays
home: text past the character cap (`oversized`) and a classification past its deadline
(`timeout`) are unclassified content, which no rule sends to the cloud unless it names
the kind; the trace and the audit say which limit applied. Classification counts
against the caller's allowance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_POLICY
from tests.gateway.test_app_leaks import Gateway, GatewayFactory, make_gateway  # noqa: F401
from tests.processes import dev_token

SSN = "536-22-8741"
FILLER = "The quarterly planning notes list the open risks for the migration. " * 450


@pytest.fixture
def small_budget(make_gateway: GatewayFactory) -> Gateway:  # noqa: F811
    return make_gateway(HYBRIDGATE_CLASSIFICATION__MAX_CHARS="20000")


def audit_events(tmp_path: Path) -> list[dict[str, object]]:
    lines = (tmp_path / "audit" / "audit.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_a_value_past_the_character_cap_never_reaches_the_cloud(
    small_budget: Gateway, tmp_path: Path
) -> None:
    prompt = f"{FILLER} Her SSN is {SSN}."
    assert len(prompt) > 20_000
    asked = small_budget.chat(messages=[{"role": "user", "content": prompt}])
    assert asked.status_code == 403
    assert "oversized" in asked.json()["error"]["message"]
    # Bound for the edge, it is refused there too: the edge would only spend its cores
    # on text longer than its context.
    automatic = small_budget.chat(model="auto", messages=[{"role": "user", "content": prompt}])
    assert automatic.status_code == 413
    error = automatic.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "request_too_large")
    assert "classification.max_chars" in error["message"]
    assert small_budget.cloud.bodies == []
    assert small_budget.edge.bodies == []
    decisions = [e for e in audit_events(tmp_path) if e.get("kind") == "decision"]
    assert all("oversized" in e["inputs"]["unclassified"] for e in decisions)  # type: ignore[index]
    assert SSN not in (tmp_path / "audit" / "audit.jsonl").read_text()


def classified_chars(gateway: Gateway, tmp_path: Path) -> float:
    admin = {"Authorization": f"Bearer {dev_token(tmp_path, roles=['Hybridgate.Admin'])}"}
    scraped = gateway.client.get("/metrics", headers=admin).text
    lines = [
        line for line in scraped.splitlines() if line.startswith("hybridgate_classified_chars")
    ]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if "_total" in line)


def test_past_the_cap_with_no_rule_letting_it_out_nothing_is_read(
    small_budget: Gateway, tmp_path: Path
) -> None:
    # Only a refusal can come of it, so reading its first 20,000 characters would be
    # CPU spent on a refusal: the classifiers are not asked.
    prompt = f"{FILLER} Her SSN is {SSN}."
    automatic = small_budget.chat(model="auto", messages=[{"role": "user", "content": prompt}])
    assert automatic.status_code == 413
    assert classified_chars(small_budget, tmp_path) == 0
    # Within the cap, the same text is read.
    assert (
        small_budget.chat(messages=[{"role": "user", "content": FILLER[:10_000]}]).status_code
        == 200
    )
    assert classified_chars(small_budget, tmp_path) >= 10_000


def test_the_trace_names_the_limit(small_budget: Gateway, tmp_path: Path) -> None:
    body = {"model": "cloud", "messages": [{"role": "user", "content": FILLER}]}
    admin = {"Authorization": f"Bearer {dev_token(tmp_path, roles=['Hybridgate.Admin'])}"}
    explained = small_budget.client.post("/v1/route/explain", json=body, headers=admin).json()
    assert explained["route"] in ("edge", "deny")
    assert any("oversized" in line for line in explained["trace"])


def test_text_within_the_cap_is_classified_as_usual(small_budget: Gateway) -> None:
    response = small_budget.chat(messages=[{"role": "user", "content": FILLER[:10_000]}])
    assert response.status_code == 200
    assert response.headers["x-hybridgate-route"] == "cloud"


def test_a_classification_past_its_deadline_is_unclassified(
    make_gateway: GatewayFactory,  # noqa: F811
) -> None:
    gateway = make_gateway(HYBRIDGATE_CLASSIFICATION__TIMEOUT_S="0.000001")
    prompt = "Explain the trade-offs of optimistic locking, step by step, for a new team."
    response = gateway.chat(messages=[{"role": "user", "content": prompt}])
    assert response.status_code == 403
    assert "timeout" in response.json()["error"]["message"]
    assert gateway.cloud.bodies == []


ALLOWING = f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: long-documents-to-the-cloud
    when: {{model: cloud}}
    route: cloud
    allow_unclassified: [oversized]
"""


def test_a_rule_may_let_unread_text_out(make_gateway: GatewayFactory) -> None:  # noqa: F811
    gateway = make_gateway(ALLOWING, HYBRIDGATE_CLASSIFICATION__MAX_CHARS="20000")
    response = gateway.chat(messages=[{"role": "user", "content": FILLER}])
    assert response.status_code == 200
    assert response.headers["x-hybridgate-route"] == "cloud"


LIMITED = f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: everything-to-the-edge
    when: {{model: auto}}
    route: edge
limits:
  default: {{classified_chars_per_minute: 30000}}
"""


def test_classification_counts_against_the_callers_allowance(
    make_gateway: GatewayFactory,  # noqa: F811
) -> None:
    gateway = make_gateway(LIMITED)

    def send(n: int) -> int:
        text = f"Request {n}: {FILLER[:14_000]}"  # new text each time: no cache hit
        body = {"model": "auto", "messages": [{"role": "user", "content": text}]}
        return gateway.client.post("/v1/chat/completions", json=body).status_code

    assert [send(1), send(2)] == [200, 200]
    # A prompt the caches answer costs no classification, so it is still served: what
    # is left (2,000 characters) would not cover it again.
    assert send(1) == 200
    refused = gateway.client.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": [{"role": "user", "content": f"3 {FILLER[:14_000]}"}]},
    )
    assert refused.status_code == 429
    assert "classified per minute" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1
    # Told to wait, the caller is refused until then, its next body not read: even a
    # prompt the caches would answer.
    held = gateway.client.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": [{"role": "user", "content": "Request 1: x"}]},
    )
    assert held.status_code == 429
    assert held.json()["error"] == refused.json()["error"]
    assert 1 <= int(held.headers["retry-after"]) <= int(refused.headers["retry-after"])
