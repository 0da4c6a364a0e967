"""What one request did, collected as it runs, and the audit event made from it.

The record stage (`gateway.middleware.record`) creates a `RequestRecord` per request;
authentication sets its principal and the pipeline (`Pipeline.handle`) everything
about the decision, the route and the usage. The event is shaped like an
OPA decision log entry, around the decision JSON of ARCHITECTURE.md. It holds no
prompt text and no detected values: only entity types and counts.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from gateway.auth.principal import Principal
from gateway.classify.signals import Signals
from gateway.policy.decision import Decision
from gateway.policy.engine import RequestFacts

EventKind = Literal["decision", "security"]


@dataclass
class RequestRecord:
    decision_id: str
    request_id: str
    method: str
    path: str
    started: float = field(default_factory=time.perf_counter)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    principal: Principal | None = None
    decision: Decision | None = None
    requested_model: str | None = None
    stream: bool = False
    # Where the request was finally sent, and the model that backend serves.
    backend: str | None = None
    model: str | None = None
    # What happened, "cloud->edge" when a failed cloud request went to the edge; the
    # decision's `fallback` is what the rule allowed.
    fell_back: str | None = None
    redacted: bool = False
    classification_s: float | None = None
    queue_s: float | None = None
    ttft_s: float | None = None
    generation_s: float | None = None  # first to last token
    inter_token_s: list[float] = field(default_factory=list)
    tokens_in: int | None = None
    tokens_out: int | None = None
    cached_tokens: int | None = None
    status: int | None = None
    error_code: str | None = None
    # Why authentication refused the request; never the token.
    security_reason: str | None = None
    # Only when the policy's audit.redacted_prompts asks for it.
    redacted_prompt: tuple[tuple[str, str], ...] | None = None
    # What the policy engine read and what it decided (before the check of a redacted
    # body): the event's `inputs`, which `policy replay` evaluates again.
    facts: RequestFacts | None = None
    evaluated: Decision | None = None
    # Run once when the request ends, whatever its fate (releases its limit lease).
    on_finish: list[Callable[[], None]] = field(default_factory=list)
    total_s: float | None = None

    def observe_usage(self, usage: Any) -> None:
        """Token counts from an OpenAI `usage` object, as the backend reported them."""
        if not isinstance(usage, dict):
            return
        self.tokens_in = _int(usage.get("prompt_tokens"))
        self.tokens_out = _int(usage.get("completion_tokens"))
        details = usage.get("prompt_tokens_details")
        if isinstance(details, dict):
            self.cached_tokens = _int(details.get("cached_tokens"))
        queue_ms = usage.get("queue_time_ms")
        if isinstance(queue_ms, int | float):
            self.queue_s = queue_ms / 1000

    @property
    def spillover(self) -> bool:
        return self.decision is not None and self.decision.spillover

    @property
    def kind(self) -> EventKind:
        return "security" if self.security_reason is not None else "decision"

    @property
    def route(self) -> str | None:
        if self.decision is not None and self.decision.route == "deny":
            return "deny"
        return self.backend


class PrincipalView:
    """How principals appear in events: HMAC-SHA256 under a local key, or in the clear."""

    def __init__(self, key: bytes | None) -> None:
        self._key = key

    @property
    def hashed(self) -> bool:
        return self._key is not None

    def identifier(self, value: str | None) -> str | None:
        if value is None or self._key is None:
            return value
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
        return f"hmac-sha256:{digest}"

    def render(self, principal: Principal | None) -> dict[str, Any] | None:
        if principal is None:
            return None
        return {
            "oid": self.identifier(principal.oid),
            "tid": self.identifier(principal.tid),
            "app_id": self.identifier(principal.app_id),
            "is_app": principal.is_app,
            "hashed": self._key is not None,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def to_event(record: RequestRecord, principals: PrincipalView) -> dict[str, Any]:
    decision = record.decision
    signals = decision.signals if decision is not None else None
    event = _event(record, principals, decision, signals)
    inputs = replay_inputs(record, principals)
    if inputs is not None:
        event["inputs"] = inputs
    if record.redacted_prompt is not None:
        event["prompt"] = [{"role": role, "text": text} for role, text in record.redacted_prompt]
    return event


def _event(
    record: RequestRecord,
    principals: PrincipalView,
    decision: Decision | None,
    signals: Signals | None,
) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "decision_id": record.decision_id,
        "request_id": record.request_id,
        "timestamp": record.timestamp.isoformat().replace("+00:00", "Z"),
        "method": record.method,
        "path": record.path,
        "principal": principals.render(record.principal),
        "policy_revision": decision.policy_revision if decision is not None else None,
        "rule": decision.rule if decision is not None else None,
        "route": record.route,
        "backend": record.backend,
        "model": record.model,
        "requested_model": record.requested_model,
        "stream": record.stream,
        "fallback": record.fell_back,
        "spillover": record.spillover,
        "redacted": record.redacted,
        "sensitivity": signals.sensitivity.as_json() if signals is not None else None,
        "complexity": signals.complexity.as_json() if signals is not None else None,
        "status": record.status,
        "error_code": record.error_code,
        "reason": record.security_reason,
        "latency_ms": {
            "classification": _ms(record.classification_s),
            "queue": _ms(record.queue_s),
            "ttft": _ms(record.ttft_s),
            "total": _ms(record.total_s),
        },
        "tokens": {
            "in": record.tokens_in,
            "out": record.tokens_out,
            "cached": record.cached_tokens,
        },
    }


INPUTS_VERSION = 1


def replay_inputs(record: RequestRecord, principals: PrincipalView) -> dict[str, Any] | None:
    """Every input the policy engine read, so that `policy replay` can evaluate the
    decision again exactly: no prompt text, no values; tenant and app in the same
    hashed or clear form as the principal."""
    facts, evaluated = record.facts, record.evaluated
    if facts is None or evaluated is None or evaluated.signals is None:
        return None
    signals, principal = evaluated.signals, record.principal
    return {
        "v": INPUTS_VERSION,
        "level": str(signals.sensitivity.level),
        "entities": dict(sorted(signals.sensitivity.entities.items())),
        "complexity": signals.complexity.score,  # unrounded: thresholds compare it
        "model": facts.model,
        "prompt_tokens": facts.prompt_tokens,
        "max_tokens": facts.max_tokens,
        "edge_queue": facts.edge_queue,
        "unclassified": sorted(facts.unclassified),
        "principal": None if principal is None else {
            "roles": sorted(principal.roles),
            "groups": None if principal.groups is None else sorted(principal.groups),
            "tenant": principals.identifier(principal.tid),
            "app": principals.identifier(principal.app_id),
            "hashed": principals.hashed,
        },
        "decided": {
            "route": evaluated.route,
            "rule": evaluated.rule,
            "redacted": evaluated.redacted,
        },
    }  # fmt: skip
