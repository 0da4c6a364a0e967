"""The decision a policy makes for one request, and its JSON (explain output, and the
core of each audit event)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gateway.classify.signals import Signals

Route = Literal["edge", "cloud"]
# Sent in x-hybridgate-policy-revision before a policy is known (a 400, a 401).
NO_POLICY_REVISION = "none"
DecisionRoute = Literal["edge", "cloud", "deny"]


@dataclass(frozen=True)
class Decision:
    decision_id: str
    route: DecisionRoute
    rule: str
    policy_revision: str
    signals: Signals | None = None
    redacted: bool = False
    fallback: str | None = None
    trace: tuple[str, ...] = ()
    message: str | None = None  # for a deny: what the caller is told
    # The cloud was chosen by a rule that looks at the edge's queue. Recorded in the
    # audit event and metrics; not part of the decision JSON.
    spillover: bool = False

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "decision_id": self.decision_id,
            "route": self.route,
            "rule": self.rule,
            "policy_revision": self.policy_revision,
        }
        if self.signals is not None:
            body.update(self.signals.as_json())
        body.update(
            {"redacted": self.redacted, "fallback": self.fallback, "trace": list(self.trace)}
        )
        return body
