"""The audit event made from a request's `RequestRecord` (`gateway.record`).

The event is shaped like an OPA decision log entry, around the decision JSON
(docs/audit-and-telemetry.md). It holds no prompt text and no detected values: only
entity types and counts.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from gateway.auth.principal import Principal
from gateway.classify.signals import Signals
from gateway.policy.decision import Decision
from gateway.record import RequestRecord


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


def to_event(record: RequestRecord, principals: PrincipalView, replica: str) -> dict[str, Any]:
    """`replica`: the gateway replica whose chain the event joins (server.replica_id):
    each replica writes its own chain, and merged reports tell them apart by it."""
    decision = record.decision
    signals = decision.signals if decision is not None else None
    event = _event(record, principals, decision, signals)
    event["replica"] = replica
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
