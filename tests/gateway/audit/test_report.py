"""`hybridgate report` figures from a known set of events."""

from __future__ import annotations

import pytest

from gateway.audit.report import build_report, format_report, percentile
from gateway.settings import ReportSettings

SETTINGS = ReportSettings(cloud_gpus=2, cloud_input_usd_per_mtok=1.0, cloud_output_usd_per_mtok=4.0)


def served(
    backend: str, minute: int, tokens_in: int, tokens_out: int, total_ms: float
) -> dict[str, object]:
    return {
        "kind": "decision",
        "timestamp": f"2026-11-29T10:{minute:02d}:00Z",
        "route": backend,
        "backend": backend,
        "status": 200,
        "tokens": {"in": tokens_in, "out": tokens_out},
        "latency_ms": {"total": total_ms},
    }


EVENTS = [
    served("edge", 0, 100, 50, 1000.0),
    served("edge", 10, 300, 150, 3000.0),
    served("cloud", 20, 1000, 1000, 2000.0),
    served("cloud", 30, 1000, 2000, 2000.0),
    {"kind": "decision", "timestamp": "2026-11-29T10:40:00Z", "route": "deny", "status": 403},
    {
        "kind": "decision",
        "timestamp": "2026-11-29T10:50:00Z",
        "route": "edge",
        "backend": "edge",
        "status": 503,
    },
    {"kind": "security", "timestamp": "2026-11-29T11:00:00Z", "status": 401},
]


def test_shares_latency_ratio_gpu_hours_and_cost_avoided() -> None:
    report = build_report(EVENTS, SETTINGS)
    assert report.events == 6  # security events are not decisions
    assert (report.denied, report.failed) == (1, 1)
    edge, cloud = report.legs["edge"], report.legs["cloud"]
    assert edge["requests"] == cloud["requests"] == 2
    assert edge["request_share"] == 0.5
    assert edge["token_share"] == pytest.approx(600 / 5600)
    assert edge["tokens_per_second"] == pytest.approx(200 / 4.0)
    assert cloud["output_input_ratio"] == 1.5
    assert edge["latency_ms"]["p50"] == 1000.0
    assert edge["latency_ms"]["p99"] == 3000.0
    assert report.output_input_ratio == pytest.approx(3200 / 2400)
    # 5000 cloud tokens over 50 minutes of log on 2 GPUs.
    assert report.cloud_tokens_per_gpu_hour == pytest.approx(5000 / (2 * 50 / 60))
    # The edge's 400 tokens in and 200 out, at the cloud's prices.
    assert report.cloud_cost_avoided_usd == pytest.approx((400 * 1.0 + 200 * 4.0) / 1e6)
    table = format_report(report, SETTINGS)
    assert "edge" in table
    assert "cloud" in table


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 95) == 95.0


def test_merged_replicas_are_counted_in_any_order() -> None:
    # Two replicas' logs read one after the other: not in time order, which the
    # figures do not need.
    hg0 = [{**event, "replica": "hg-0"} for event in EVENTS[2:]]
    hg1 = [{**event, "replica": "hg-1"} for event in EVENTS[:2]]
    merged = build_report([*hg0, *hg1], SETTINGS)
    alone = build_report(EVENTS, SETTINGS)
    assert merged.replicas == {"hg-0": 4, "hg-1": 2}  # decisions only
    assert alone.replicas == {"-": 6}  # events from before they named their replica
    assert {**merged.as_json(), "replicas": None} == {**alone.as_json(), "replicas": None}
    assert "replicas: hg-0 (4), hg-1 (2)" in format_report(merged, SETTINGS)
