"""The routing decision. Today a fixed mapping of the virtual model; the YAML policy
engine replaces `decide` with `evaluate(policy, signals, principal, request)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    policy_revision: str = NO_POLICY_REVISION


def decide(decision_id: str, requested_model: str) -> Decision:
    """The seam where a policy will decide. `auto` goes to the edge for now."""
    if requested_model not in VIRTUAL_MODELS:
        raise ModelNotFound(
            f"The model '{requested_model}' does not exist; use one of {', '.join(VIRTUAL_MODELS)}",
            param="model",
        )
    route: Route = "cloud" if requested_model == "cloud" else "edge"
    return Decision(decision_id, route, rule=f"static:{requested_model}")
