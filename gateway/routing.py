"""The routing decision. Today a fixed mapping of the virtual model; the YAML policy
engine replaces `decide` with `evaluate(policy, signals, principal, request)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gateway.classify.signals import Signals
from gateway.errors import ModelNotFound
from gateway.schemas import VIRTUAL_MODELS

Route = Literal["edge", "cloud"]
# Sent in x-hybridgate-policy-revision until policies are versioned files.
NO_POLICY_REVISION = "none"


@dataclass(frozen=True)
class Decision:
    decision_id: str
    route: Route
    rule: str
    signals: Signals | None = None
    policy_revision: str = NO_POLICY_REVISION

    def as_json(self) -> dict[str, Any]:
        """The decision JSON of ARCHITECTURE.md (explain output, core of audit events)."""
        body: dict[str, Any] = {
            "decision_id": self.decision_id,
            "route": self.route,
            "rule": self.rule,
            "policy_revision": self.policy_revision,
        }
        if self.signals is not None:
            body.update(self.signals.as_json())
        body.update({"redacted": False, "fallback": None, "trace": [f"rule {self.rule}"]})
        return body


def decide(decision_id: str, requested_model: str, signals: Signals | None = None) -> Decision:
    """The seam where a policy will decide. `auto` goes to the edge for now; the signals
    are carried along for explain and, later, the policy and the audit log."""
    if requested_model not in VIRTUAL_MODELS:
        raise ModelNotFound(
            f"The model '{requested_model}' does not exist; use one of {', '.join(VIRTUAL_MODELS)}",
            param="model",
        )
    route: Route = "cloud" if requested_model == "cloud" else "edge"
    return Decision(decision_id, route, rule=f"static:{requested_model}", signals=signals)
