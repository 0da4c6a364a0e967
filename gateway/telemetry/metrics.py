"""The Prometheus metrics that decide whether inference pays, in one registry per app.

Everything per request is observed once, from the finished `RequestRecord`; gauges
that describe the present (edge slots and queue, breaker states) are read at scrape time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from functools import partial

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from gateway.backends.edge_load import EdgeSlots
from gateway.classify.signals import LEVEL_NAMES
from gateway.policy.decision import ROUTES
from gateway.record import RequestRecord

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}
RECENT_EDGE_REQUESTS = 100
REFUSAL_REASONS = ("requests", "tokens", "concurrent", "classification", "edge_busy", "edge_share")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _edge_value(edge: Callable[[], EdgeSlots | None], field: str) -> float:
    slots = edge()
    return float(getattr(slots, field)) if slots is not None else 0.0


def _breaker_value(breakers: Callable[[], Mapping[str, str]], name: str) -> float:
    return BREAKER_VALUES[breakers()[name]]


class _RefusalCollector(Collector):
    def __init__(self, refusals: Mapping[str, int]) -> None:
        self._refusals = refusals

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "hybridgate_rate_limited",
            "Requests refused with a 429 by the policy's limits, by reason.",
            labels=["reason"],
        )
        for reason in REFUSAL_REASONS:
            family.add_metric([reason], self._refusals.get(reason, 0))
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "hybridgate_requests",
            "Requests by final route, backend, policy rule and HTTP status.",
            ["route", "backend", "rule", "status"],
            registry=r,
        )
        self.decisions = Counter(
            "hybridgate_decisions", "Routing decisions by sensitivity level.", ["level"], registry=r
        )
        self.fallbacks = Counter(
            "hybridgate_fallbacks", "Requests moved to another backend.", ["path"], registry=r
        )
        self.spillovers = Counter(
            "hybridgate_spillovers",
            "Requests sent to the cloud because the edge was busy.",
            registry=r,
        )
        self.classification = Histogram(
            "hybridgate_classification_seconds",
            "Time to classify a request.",
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.classified_chars = Counter(
            "hybridgate_classified_chars",
            "Characters of prompt text classified (cache misses; within the budget).",
            registry=r,
        )
        self.classification_overruns = Counter(
            "hybridgate_classification_overruns",
            "Requests whose classification ran past its budget, by the limit it hit"
            " (oversized: characters; timeout: seconds).",
            ["reason"],
            registry=r,
        )
        self.ttft = Histogram(
            "hybridgate_time_to_first_token_seconds",
            "Request arrival to the first generated token (streams).",
            ["backend"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.latency = Histogram(
            "hybridgate_request_duration_seconds",
            "End-to-end latency at the gateway; P95/P99 come from the buckets.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.inter_token = Histogram(
            "hybridgate_inter_token_latency_seconds",
            "Gap between consecutive streamed tokens.",
            ["backend"],
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.queue = Histogram(
            "hybridgate_backend_queue_seconds",
            "Time a request waited for a decode slot, as the backend reports it.",
            ["backend"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens = Counter(
            "hybridgate_tokens",
            "Tokens by backend and direction.",
            ["backend", "direction"],
            registry=r,
        )
        self.ratio = Gauge(
            "hybridgate_output_input_token_ratio",
            "Output tokens over input tokens, since start, per backend.",
            ["backend"],
            registry=r,
        )
        self.edge_prompt_tokens = Counter(
            "hybridgate_edge_prompt_tokens", "Prompt tokens the edge processed.", registry=r
        )
        self.edge_cached_tokens = Counter(
            "hybridgate_edge_cached_prompt_tokens",
            "Prompt tokens the edge took from its KV cache.",
            registry=r,
        )
        self.kv_hit_rate = Gauge(
            "hybridgate_edge_kv_cache_hit_rate",
            "Edge prompt tokens reused from the KV cache over prompt tokens, since start.",
            registry=r,
        )
        self.edge_tps = Gauge(
            "hybridgate_edge_tokens_per_second",
            f"Edge decode speed over the last {RECENT_EDGE_REQUESTS} streamed requests.",
            registry=r,
        )
        self.edge_queue = Gauge(
            "hybridgate_edge_queue_depth",
            "Requests waiting for an edge slot, every slot being busy.",
            registry=r,
        )
        self.edge_in_flight = Gauge(
            "hybridgate_edge_in_flight",
            "Requests in the edge server: decoding in a slot or waiting for one.",
            registry=r,
        )
        self.edge_slots_busy = Gauge(
            "hybridgate_edge_slots_busy", "Edge slots decoding a request.", registry=r
        )
        self.edge_slots_total = Gauge(
            "hybridgate_edge_slots_total",
            "Edge slots: sequences the edge decodes together (edge.parallel).",
            registry=r,
        )
        self.edge_occupancy = Gauge(
            "hybridgate_edge_slot_occupancy",
            "Edge slots busy over slots total, 0 to 1.",
            registry=r,
        )
        self.breaker = Gauge(
            "hybridgate_circuit_breaker_state",
            "Circuit breaker per backend: 0 closed, 1 half-open, 2 open.",
            ["backend"],
            registry=r,
        )
        self.audit_failures = Counter(
            "hybridgate_audit_write_failures", "Audit events that could not be written.", registry=r
        )
        self._initialise_labels()
        self._totals: dict[str, list[float]] = {}
        self._edge_prompt = 0
        self._edge_cached = 0
        self._edge_recent: deque[tuple[int, float]] = deque(maxlen=RECENT_EDGE_REQUESTS)

    def _initialise_labels(self) -> None:
        # Series with known label values exist from the start, at zero, so dashboards
        # and alerts see them before the first request of each kind.
        for level in LEVEL_NAMES:
            self.decisions.labels(level)
        self.fallbacks.labels("cloud->edge")
        for backend in ROUTES:
            self.ttft.labels(backend)
            self.inter_token.labels(backend)
            self.queue.labels(backend)
            self.tokens.labels(backend, "in")
            self.tokens.labels(backend, "out")
            self.ratio.labels(backend)
        for route in (*ROUTES, "deny"):
            self.latency.labels(route)

    def watch(
        self,
        edge: Callable[[], EdgeSlots | None],
        breakers: Callable[[], Mapping[str, str]],
    ) -> None:
        """Gauges read when Prometheus scrapes: the present, not the last request. An
        edge whose load is unknown (not polled yet, or unreachable) reads as zero."""
        self.edge_queue.set_function(lambda: _edge_value(edge, "waiting"))
        self.edge_in_flight.set_function(lambda: _edge_value(edge, "in_flight"))
        self.edge_slots_busy.set_function(lambda: _edge_value(edge, "busy"))
        self.edge_slots_total.set_function(lambda: _edge_value(edge, "total"))
        self.edge_occupancy.set_function(lambda: _edge_value(edge, "occupancy"))
        for name in breakers():
            self.breaker.labels(name).set_function(partial(_breaker_value, breakers, name))

    def watch_refusals(self, refusals: Mapping[str, int]) -> None:
        """Requests refused by the policy's limits, by reason, read at scrape time."""
        self.registry.register(_RefusalCollector(refusals))

    def watch_limits_store(self, up: Callable[[], bool]) -> None:
        """The shared limit store's reachability, read at scrape time (a gateway that
        counts its limits in memory has no such gauge)."""
        gauge = Gauge(
            "hybridgate_limits_store_up",
            "1 while the shared limit store (Redis) answers, 0 while it does not.",
            registry=self.registry,
        )
        gauge.set_function(lambda: 1.0 if up() else 0.0)

    def observe(self, record: RequestRecord) -> None:
        decision = record.decision
        rule = decision.rule if decision is not None else "none"
        route = record.route or "none"
        backend = record.backend or "none"
        self.requests.labels(route, backend, rule, str(record.status or 0)).inc()
        if decision is not None and decision.signals is not None:
            self.decisions.labels(str(decision.signals.sensitivity.level)).inc()
        if record.fell_back:
            self.fallbacks.labels(record.fell_back).inc()
        if record.spillover:
            self.spillovers.inc()
        if record.classification_s is not None:
            self.classification.observe(record.classification_s)
        if record.classified_chars:
            self.classified_chars.inc(record.classified_chars)
        for reason in record.classification_overruns:
            self.classification_overruns.labels(reason).inc()
        if record.total_s is not None:
            self.latency.labels(route).observe(record.total_s)
        if record.backend is None:
            return
        if record.ttft_s is not None:
            self.ttft.labels(backend).observe(record.ttft_s)
        for gap in record.inter_token_s:
            self.inter_token.labels(backend).observe(gap)
        if record.queue_s is not None:
            self.queue.labels(backend).observe(record.queue_s)
        self._observe_tokens(record, backend)

    def _observe_tokens(self, record: RequestRecord, backend: str) -> None:
        tokens_in, tokens_out = record.tokens_in or 0, record.tokens_out or 0
        self.tokens.labels(backend, "in").inc(tokens_in)
        self.tokens.labels(backend, "out").inc(tokens_out)
        totals = self._totals.setdefault(backend, [0.0, 0.0])
        totals[0] += tokens_in
        totals[1] += tokens_out
        if totals[0]:
            self.ratio.labels(backend).set(totals[1] / totals[0])
        if backend != "edge":
            return
        cached = record.cached_tokens or 0
        self.edge_prompt_tokens.inc(tokens_in)
        self.edge_cached_tokens.inc(cached)
        self._edge_prompt += tokens_in
        self._edge_cached += cached
        if self._edge_prompt:
            self.kv_hit_rate.set(self._edge_cached / self._edge_prompt)
        # Decode speed needs the time between the first and last token: streams only.
        if record.generation_s and tokens_out > 1:
            self._edge_recent.append((tokens_out - 1, record.generation_s))
            tokens = sum(t for t, _ in self._edge_recent)
            seconds = sum(s for _, s in self._edge_recent)
            self.edge_tps.set(tokens / seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
