"""/metrics, the loopback metrics port, OpenTelemetry spans and the audit log export,
on the app with scripted backends."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import Exporters, create_app
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.gateway.audit.test_app_audit import backend, chat, mixed_requests
from tests.processes import dev_token, free_port

ADMIN = ["Hybridgate.Admin"]
EVERY_METRIC = (
    "hybridgate_requests_total",
    "hybridgate_decisions_total",
    "hybridgate_fallbacks_total",
    "hybridgate_spillovers_total",
    "hybridgate_classification_seconds_bucket",
    "hybridgate_time_to_first_token_seconds_bucket",
    "hybridgate_request_duration_seconds_bucket",
    "hybridgate_inter_token_latency_seconds_bucket",
    "hybridgate_backend_queue_seconds_bucket",
    "hybridgate_tokens_total",
    "hybridgate_output_input_token_ratio",
    "hybridgate_edge_tokens_per_second",
    "hybridgate_edge_queue_depth",
    "hybridgate_edge_in_flight",
    "hybridgate_edge_slots_busy",
    "hybridgate_edge_slots_total",
    "hybridgate_edge_slot_occupancy",
    "hybridgate_edge_kv_cache_hit_rate",
    "hybridgate_edge_prompt_tokens_total",
    "hybridgate_edge_cached_prompt_tokens_total",
    "hybridgate_circuit_breaker_state",
)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    return tmp_path


def client_for(classifiers: Classifiers, exporters: Exporters | None = None) -> TestClient:
    transports = {"edge": backend("edge"), "cloud": backend("cloud")}
    app = create_app(load_settings(), transports, classifiers, exporters)  # type: ignore[arg-type]
    return TestClient(app)


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    raise AssertionError(f"{name}{{{wanted}}} not in the exposition")


def test_metrics_need_the_admin_role(state: Path, classifiers: Classifiers) -> None:
    with client_for(classifiers) as client:
        assert client.get("/metrics").status_code == 401
        user = {"Authorization": f"Bearer {dev_token(state)}"}
        assert client.get("/metrics", headers=user).status_code == 403
        admin = {"Authorization": f"Bearer {dev_token(state, roles=ADMIN)}"}
        response = client.get("/metrics", headers=admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")


def test_metrics_expose_every_listed_figure(state: Path, classifiers: Classifiers) -> None:
    with client_for(classifiers) as client:
        mixed_requests(client, dev_token(state))
        admin = {"Authorization": f"Bearer {dev_token(state, roles=ADMIN)}"}
        text = client.get("/metrics", headers=admin).text
    for name in EVERY_METRIC:
        assert re.search(rf"^{name}[{{ ]", text, re.MULTILINE), f"{name} missing"
    assert (
        sample(
            text,
            "hybridgate_requests_total",
            route="edge",
            backend="edge",
            rule="default",
            status="200",
        )
        == 2
    )
    assert sample(text, "hybridgate_decisions_total", level="restricted") == 1
    # Both edge requests reported 12 prompt tokens, 8 of them from the KV cache.
    assert sample(text, "hybridgate_edge_kv_cache_hit_rate") == pytest.approx(8 / 12)
    assert sample(text, "hybridgate_tokens_total", backend="edge", direction="out") == 6
    assert sample(text, "hybridgate_output_input_token_ratio", backend="edge") == pytest.approx(
        3 / 12
    )
    assert sample(text, "hybridgate_circuit_breaker_state", backend="cloud") == 0
    assert sample(text, "hybridgate_time_to_first_token_seconds_count", backend="edge") == 1
    assert sample(text, "hybridgate_inter_token_latency_seconds_count", backend="edge") == 1
    assert sample(text, "hybridgate_edge_tokens_per_second") > 0
    # The edge's /readyz, as the gateway last polled it: 3 of 8 slots busy.
    assert sample(text, "hybridgate_edge_slots_busy") == 3
    assert sample(text, "hybridgate_edge_slots_total") == 8
    assert sample(text, "hybridgate_edge_slot_occupancy") == pytest.approx(3 / 8)
    assert sample(text, "hybridgate_edge_queue_depth") == 0
    assert sample(text, "hybridgate_edge_in_flight") == 3


def test_a_loopback_port_serves_metrics_without_a_token(
    state: Path, classifiers: Classifiers, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("HYBRIDGATE_TELEMETRY__METRICS_PORT", str(port))
    with client_for(classifiers) as client:
        client.post(
            "/v1/chat/completions",
            json=chat("Say hello"),
            headers={"Authorization": f"Bearer {dev_token(state)}"},
        )
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert "hybridgate_requests_total" in text


def test_the_metrics_port_refuses_a_public_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDGATE_TELEMETRY__METRICS_HOST", "0.0.0.0")
    with pytest.raises(Exception, match="loopback"):
        load_settings()


def test_spans_for_each_stage_carry_the_decision_id(state: Path, classifiers: Classifiers) -> None:
    spans = InMemorySpanExporter()
    with client_for(classifiers, Exporters(spans=spans)) as client:
        response = client.post(
            "/v1/chat/completions",
            json=chat("Say hello"),
            headers={"Authorization": f"Bearer {dev_token(state)}"},
        )
    decision_id = response.headers["x-hybridgate-decision-id"]
    finished = spans.get_finished_spans()
    names = [span.name for span in finished]
    for stage in ("authenticate", "classify", "decide", "forward"):
        assert stage in names
    root = next(s for s in finished if s.name == "POST /v1/chat/completions")
    for span in finished:
        assert span.attributes is not None
        assert span.attributes["hybridgate.decision_id"] == decision_id
        assert span.context.trace_id == root.context.trace_id


def test_audit_events_are_exported_as_otel_log_records(
    state: Path, classifiers: Classifiers
) -> None:
    logs = InMemoryLogRecordExporter()
    with client_for(classifiers, Exporters(logs=logs)) as client:
        responses = mixed_requests(client, dev_token(state))
    records = logs.get_finished_logs()
    assert len(records) == len(responses)
    first = records[0].log_record
    assert first.attributes is not None
    assert (
        first.attributes["hybridgate.decision_id"]
        == responses[0].headers["x-hybridgate-decision-id"]
    )
    assert '"route":"edge"' in str(first.body)
    # Each record names its place in the chain, so the collector holds every head.
    assert [r.log_record.attributes["hybridgate.seq"] for r in records] == list(
        range(1, len(responses) + 1)
    )
    assert str(first.attributes["hybridgate.hash"]).startswith("sha256:")
