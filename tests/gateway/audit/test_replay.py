"""`policy replay` over a log made by the gateway itself: the live policy changes
nothing, a candidate changes exactly what it should, exposure fails the run, events
without inputs are skipped, and hashed principals still match tenant conditions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.log import read_principal_key
from gateway.audit.query import iter_events
from gateway.audit.replay import EXPOSURE_EXIT, Replayer, ReplayReport
from gateway.auth.config import DevAuthSettings
from gateway.classify.registry import Classifiers
from gateway.cli import main
from gateway.cli.settings import load_settings
from gateway.policy.loader import load_policy
from gateway.settings import ReportSettings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.processes import dev_token

SIMPLE = "Translate 'good morning' into French."
COMPLEX = "Prove that the square root of 2 is irrational."
# (body, how many times): the mix the log is made of.
MIX: list[tuple[str, dict[str, Any], int]] = [
    (
        "/v1/chat/completions",
        {"model": "auto", "messages": [{"role": "user", "content": SIMPLE}]},
        3,
    ),
    (
        "/v1/chat/completions",
        {"model": "auto", "messages": [{"role": "user", "content": COMPLEX}]},
        4,
    ),
    (
        "/v1/chat/completions",
        {
            "model": "auto",
            "messages": [{"role": "user", "content": f"{COMPLEX} Jane's SSN is 536-22-8741."}],
        },
        2,
    ),
    (
        "/v1/chat/completions",
        {
            "model": "auto",
            "messages": [{"role": "user", "content": "Mail maria.lopez82@gmail.com the agenda."}],
        },
        2,
    ),
    (
        "/v1/chat/completions",
        {
            "model": "cloud",
            "messages": [{"role": "user", "content": "Charge card 4111 1111 1111 1111."}],
        },
        1,
    ),
    (
        "/v1/chat/completions",
        {"model": "edge", "messages": [{"role": "user", "content": COMPLEX}]},
        2,
    ),
    (
        "/v1/chat/completions",
        {"model": "cloud", "messages": [{"role": "user", "content": SIMPLE}]},
        1,
    ),
    ("/v1/completions", {"model": "auto", "prompt": [1, 2, 3]}, 1),
]
DECISIONS = sum(n for _, _, n in MIX)


@pytest.fixture(scope="module")
def log(classifiers: Classifiers, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state dir whose audit log holds the mix, plus a 401 and a 404 (no decisions)."""
    state = tmp_path_factory.mktemp("replay")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(state))
        monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(DEFAULT_POLICY))
        transports = {
            "edge": RecordingBackend().transport(),
            "cloud": RecordingBackend().transport(),
        }
        app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
        with TestClient(app) as client:
            auth = {"Authorization": f"Bearer {dev_token(state)}"}
            for path, body, times in MIX:
                for _ in range(times):
                    assert client.post(path, json=body, headers=auth).status_code in (200, 403)
            assert client.post("/v1/chat/completions", json=MIX[0][1]).status_code == 401
            assert client.get("/v1/nowhere", headers=auth).status_code == 404
    return state


def files(state: Path) -> list[Path]:
    return [f for f in discover(state / "audit" / "audit.jsonl") if f.exists()]


def replay(state: Path, candidate: Path, **options: Any) -> ReplayReport:
    policy, revision = load_policy(candidate)
    key = read_principal_key(state / "audit")
    replayer = Replayer(policy, revision, key, ReportSettings(), **options)
    return replayer.run(iter_events(files(state)))


def candidate(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "candidate.yaml"
    path.write_text(text)
    return path


def default_without(rule_id: str) -> str:
    """The default policy's text with one rule taken out."""
    lines = DEFAULT_POLICY.read_text().splitlines()
    start = lines.index(f"  - id: {rule_id}")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    return "\n".join(lines[:start] + lines[end:]).replace(
        "classifiers:", f"classifiers_from: {DEFAULT_POLICY}\nunused_classifiers:", 1
    )


def test_the_live_policy_over_its_own_log_changes_nothing(log: Path) -> None:
    report = replay(log, DEFAULT_POLICY)
    assert report.events == DECISIONS + 2
    assert report.decisions == DECISIONS
    assert report.skipped == 0
    assert report.changed == 0
    assert report.exit_code == 0


def test_events_hold_inputs_but_no_text(log: Path) -> None:
    events = [e for e in iter_events(files(log)) if e.get("inputs")]
    assert len(events) == DECISIONS
    raw = "".join(json.dumps(e) for e in events)
    for text in ("536-22-8741", "maria.lopez82", "square root"):
        assert text not in raw
    tenant = events[0]["inputs"]["principal"]["tenant"]
    assert tenant.startswith("hmac-sha256:")
    assert tenant == events[0]["principal"]["tid"]


def test_a_candidate_without_a_rule_changes_exactly_its_decisions(
    log: Path, tmp_path: Path
) -> None:
    text = DEFAULT_POLICY.read_text()
    start = text.index("  - id: complex-to-cloud")
    end = text.index("\ndefault:")
    path = candidate(tmp_path, text[:start] + text[end:])
    report = replay(log, path)
    assert report.changed == 4
    [(old, new)] = report.transitions
    assert (old.rule, old.route, new.rule, new.route) == (
        "complex-to-cloud",
        "cloud",
        "default",
        "edge",
    )
    assert report.exposure == {}
    # Usage from the recording backend: 3 tokens in and 1 out per request.
    assert (report.tokens_in_moved, report.tokens_out_moved) == (-12, -4)
    assert report.cost_moved_usd < 0


EXPOSING = f"""classifiers_from: {DEFAULT_POLICY}
max_cloud_level: restricted
rules:
  - id: everything-to-cloud
    when: {{model: auto}}
    route: cloud
"""


def test_a_candidate_that_sends_confidential_data_out_trips_the_exit_code(
    log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = replay(log, candidate(tmp_path, EXPOSING))
    # The e-mail prompts (confidential) newly go out; the SSN ones stay under the ceiling.
    assert report.exposure == {"confidential": 2, "public": 3}
    assert report.exit_code == EXPOSURE_EXIT
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(log))
    path = str(candidate(tmp_path, EXPOSING))
    assert main(["policy", "replay", path]) == EXPOSURE_EXIT
    assert "EXPOSURE: 2 decisions at or above confidential" in capsys.readouterr().out
    assert main(["policy", "replay", path, "--fail-level", "restricted"]) == 0
    capsys.readouterr()
    assert main(["policy", "replay", str(DEFAULT_POLICY), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == 0


def test_events_without_inputs_are_counted_as_skipped(log: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    lines = []
    for i, event in enumerate(iter_events(files(log))):
        if i % 3 == 0:
            event.pop("inputs", None)
        lines.append(json.dumps(event) + "\n")
    old.write_text("".join(lines))
    policy, revision = load_policy(DEFAULT_POLICY)
    key = read_principal_key(log / "audit")
    report = Replayer(policy, revision, key, ReportSettings()).run(iter_events([old]))
    stripped = sum(
        1
        for i, e in enumerate(iter_events(files(log)))
        if i % 3 == 0 and e["kind"] == "decision" and e["rule"]
    )
    assert stripped > 0
    assert report.skipped == stripped
    assert report.changed == 0


def tenant_rule(tenant: str) -> str:
    return f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: our-tenant-to-cloud
    when: {{all: [{{tenants_any: ["{tenant}"]}}, {{sensitivity_below: confidential}}]}}
    route: cloud
default: {{route: edge}}
"""


def test_hashed_principals_still_match_tenant_conditions(log: Path, tmp_path: Path) -> None:
    def matched(tenant: str) -> int:
        report = replay(log, candidate(tmp_path, tenant_rule(tenant)))
        return sum(
            n for (_, new), n in report.transitions.items() if new.rule == "our-tenant-to-cloud"
        )

    # Every public or internal decision of the dev tenant: simple, complex, edge and
    # cloud by name, token ids (model: cloud's card is restricted, the e-mail confidential).
    assert matched(DevAuthSettings().tenant_id) == 3 + 4 + 2 + 1 + 1
    assert matched("22222222-2222-2222-2222-222222222222") == 0


def test_without_the_key_hashed_decisions_are_skipped_not_guessed(log: Path) -> None:
    policy, revision = load_policy(DEFAULT_POLICY)
    report = Replayer(policy, revision, None, ReportSettings()).run(iter_events(files(log)))
    assert report.skipped == DECISIONS


@pytest.fixture
def admin_client(
    log: Path, classifiers: Classifiers, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(log))
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(DEFAULT_POLICY))
    app = create_app(load_settings(), {"edge": RecordingBackend().transport()}, classifiers)  # type: ignore[dict-item]
    with TestClient(app) as client:
        yield client


def test_the_admin_endpoint_replays_without_activating(admin_client: TestClient, log: Path) -> None:
    admin = {"Authorization": f"Bearer {dev_token(log, roles=['Hybridgate.Admin'])}"}
    response = admin_client.post("/admin/policy/replay", json={"policy": EXPOSING}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["newly_to_cloud_by_level"]["confidential"] == 2
    assert body["would_fail"] is True
    active = admin_client.get("/admin/policy", headers=admin).json()
    assert active["rules"][0] == "sensitive-stays-on-edge"  # not activated
    bad = admin_client.post("/admin/policy/replay", json={"policy": "rules: [1"}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "policy"
    # A lone surrogate is refused by name, not a 500 from the YAML reader.
    unreadable = json.dumps({"policy": "rules: []\n# \ud800"}).encode()
    headers = admin | {"content-type": "application/json"}
    bad = admin_client.post("/admin/policy/replay", content=unreadable, headers=headers)
    assert bad.status_code == 400
    assert (bad.json()["error"]["param"], bad.json()["error"]["code"]) == ("policy", "invalid_text")
    user = {"Authorization": f"Bearer {dev_token(log)}"}
    refused = admin_client.post("/admin/policy/replay", json={"policy": EXPOSING}, headers=user)
    assert refused.status_code == 403


def test_the_readme_walkthrough_runs_as_written(
    log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edit (a copy), test, replay: the commands of the README's walkthrough."""
    edited = tmp_path / "candidate.yaml"
    edited.write_text(DEFAULT_POLICY.read_text())
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(log))
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(DEFAULT_POLICY))
    assert main(["policy", "test"]) == 0
    assert main(["policy", "replay", str(edited), "--since", "7d"]) == 0
    assert "0 would change" in capsys.readouterr().out
