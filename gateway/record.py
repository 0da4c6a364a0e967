"""What one request did, collected as it runs: the audit event and the metrics are
both made from it, so neither depends on the other.

The record stage (`gateway.middleware.record`) creates a `RequestRecord` per request;
authentication sets its principal and the pipeline (`Pipeline.handle`) everything
about the decision, the route and the usage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from gateway.auth.principal import Principal
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
    classified_chars: int = 0
    classification_overruns: frozenset[str] = frozenset()  # oversized, timeout
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

    def tokens_used(self) -> int | None:
        """Prompt and answer tokens as the backend reported them; None if it did not."""
        if self.tokens_in is None or self.tokens_out is None:
            return None
        return self.tokens_in + self.tokens_out

    def observe_usage(self, usage: Any) -> None:
        """Token counts from an OpenAI `usage` object, as the backend reported them:
        chat and text completions' names, or the Responses API's."""
        if not isinstance(usage, dict):
            return
        responses = "input_tokens" in usage
        self.tokens_in = _int(usage.get("input_tokens" if responses else "prompt_tokens"))
        self.tokens_out = _int(usage.get("output_tokens" if responses else "completion_tokens"))
        details = usage.get("input_tokens_details" if responses else "prompt_tokens_details")
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


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
