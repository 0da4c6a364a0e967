"""`hybridgate report`: the figures that decide whether inference pays, from the audit log
(one replica's, or several merged: the events are counted in any order).

Per leg: share of requests and tokens, P50/P95/P99 latency, output tokens per second of
request time, output/input ratio; for the cloud leg, tokens per GPU-hour over the
report's time span; and what the edge's tokens would have cost on the cloud leg.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from gateway.settings import ReportSettings

LEGS = ("edge", "cloud")
PER_MTOK = 1_000_000


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass
class Leg:
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self, all_requests: int, all_tokens: int) -> dict[str, Any]:
        tokens = self.tokens_in + self.tokens_out
        seconds = sum(self.latencies_ms) / 1000
        return {
            "requests": self.requests,
            "request_share": self.requests / all_requests if all_requests else 0.0,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "token_share": tokens / all_tokens if all_tokens else 0.0,
            "latency_ms": {f"p{q}": percentile(self.latencies_ms, q) for q in (50, 95, 99)},
            "tokens_per_second": self.tokens_out / seconds if seconds else None,
            "output_input_ratio": self.tokens_out / self.tokens_in if self.tokens_in else None,
        }


@dataclass
class Report:
    events: int
    since: str | None
    until: str | None
    legs: dict[str, dict[str, Any]]
    denied: int
    failed: int
    output_input_ratio: float | None
    cloud_tokens_per_gpu_hour: float | None
    cloud_cost_avoided_usd: float
    # Decisions per replica (server.replica_id), when several replicas' logs are merged;
    # "-" for events written before they carried one.
    replicas: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _timestamp(event: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(event.get("timestamp")))
    except ValueError:
        return None


def build_report(events: Iterable[dict[str, Any]], settings: ReportSettings) -> Report:
    legs = {name: Leg() for name in LEGS}
    count = denied = failed = 0
    first: datetime | None = None
    last: datetime | None = None
    replicas: dict[str, int] = {}
    for event in events:
        if event.get("kind") != "decision":
            continue
        count += 1
        replica = str(event.get("replica") or "-")
        replicas[replica] = replicas.get(replica, 0) + 1
        moment = _timestamp(event)
        if moment is not None:
            first = moment if first is None or moment < first else first
            last = moment if last is None or moment > last else last
        if event.get("route") == "deny":
            denied += 1
            continue
        status = event.get("status") or 0
        leg = legs.get(str(event.get("backend")))
        if status >= 400:
            failed += 1
            continue
        if leg is None:
            continue
        tokens = event.get("tokens") or {}
        leg.requests += 1
        leg.tokens_in += tokens.get("in") or 0
        leg.tokens_out += tokens.get("out") or 0
        total = (event.get("latency_ms") or {}).get("total")
        if isinstance(total, int | float):
            leg.latencies_ms.append(float(total))
    served = sum(leg.requests for leg in legs.values())
    all_tokens = sum(leg.tokens_in + leg.tokens_out for leg in legs.values())
    tokens_in = sum(leg.tokens_in for leg in legs.values())
    tokens_out = sum(leg.tokens_out for leg in legs.values())
    cloud = legs["cloud"]
    span_h = (last - first).total_seconds() / 3600 if first and last and last > first else None
    per_gpu_hour = (
        (cloud.tokens_in + cloud.tokens_out) / (settings.cloud_gpus * span_h) if span_h else None
    )
    edge = legs["edge"]
    avoided = (
        edge.tokens_in * settings.cloud_input_usd_per_mtok
        + edge.tokens_out * settings.cloud_output_usd_per_mtok
    ) / PER_MTOK
    return Report(
        events=count,
        since=first.isoformat() if first else None,
        until=last.isoformat() if last else None,
        legs={name: leg.summary(served, all_tokens) for name, leg in legs.items()},
        denied=denied,
        failed=failed,
        output_input_ratio=tokens_out / tokens_in if tokens_in else None,
        cloud_tokens_per_gpu_hour=per_gpu_hour,
        cloud_cost_avoided_usd=avoided,
        replicas=dict(sorted(replicas.items())),
    )


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_report(report: Report, settings: ReportSettings) -> str:
    lines = [
        f"{report.events} decisions from {report.since or '-'} to {report.until or '-'} "
        f"({report.denied} denied, {report.failed} failed)",
        "replicas: " + (", ".join(f"{name} ({n})" for name, n in report.replicas.items()) or "-"),
        "",
        f"{'leg':<6}{'requests':>10}{'share':>8}{'tokens in':>11}{'tokens out':>12}"
        f"{'share':>8}{'P50 ms':>9}{'P95 ms':>9}{'P99 ms':>9}{'tok/s':>8}{'out/in':>8}",
    ]
    for name, leg in report.legs.items():
        latency = leg["latency_ms"]
        lines.append(
            f"{name:<6}{leg['requests']:>10}{leg['request_share']:>8.1%}{leg['tokens_in']:>11}"
            f"{leg['tokens_out']:>12}{leg['token_share']:>8.1%}{_fmt(latency['p50'], '.1f'):>9}"
            f"{_fmt(latency['p95'], '.1f'):>9}{_fmt(latency['p99'], '.1f'):>9}"
            f"{_fmt(leg['tokens_per_second'], '.1f'):>8}{_fmt(leg['output_input_ratio'], '.2f'):>8}"
        )
    lines += [
        "",
        f"output/input token ratio: {_fmt(report.output_input_ratio, '.2f')}",
        f"cloud tokens per GPU-hour ({settings.cloud_gpus} GPUs over the period): "
        f"{_fmt(report.cloud_tokens_per_gpu_hour, ',.0f')}",
        f"cloud cost avoided by the edge (at ${settings.cloud_input_usd_per_mtok}/M in, "
        f"${settings.cloud_output_usd_per_mtok}/M out): ${report.cloud_cost_avoided_usd:.4f}",
    ]
    return "\n".join(lines)
