"""The decision a policy makes for one request, and its JSON (explain output, and the
core of each audit event)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from gateway.classify.signals import Signals

# The one vocabulary of where requests go. A route is a backend a request is sent to
# (and the x-hybridgate-route header); a decision may also deny; a rule may also ask
# for redact-then-cloud, which decides "cloud" with the body redacted.
Route = Literal["edge", "cloud"]
ROUTES: tuple[Route, ...] = get_args(Route)
# Spelled out rather than composed, so that the policy's JSON schema keeps one enum.
DecisionRoute = Literal["edge", "cloud", "deny"]
RuleRoute = Literal["edge", "cloud", "redact_then_cloud"]
# Sent in x-hybridgate-policy-revision before a policy is known (a 400, a 401).
NO_POLICY_REVISION = "none"


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
