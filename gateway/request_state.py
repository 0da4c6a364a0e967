"""The one typed object the front layer (`gateway.middleware.front`) makes per request
and the routes read: its decision id, its record, and the policy revision an answer
names without a recorded decision. It travels in the ASGI scope's state under one key,
read through `request_state` only.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Scope

from gateway.policy.decision import NO_POLICY_REVISION
from gateway.record import RequestRecord

_KEY = "hybridgate"


@dataclass(slots=True)
class RequestState:
    decision_id: str
    # Made for every request but the probes (/healthz, /readyz), which are not recorded.
    record: RequestRecord | None = None
    # The explain endpoint decides without recording a decision: its revision is here.
    policy_revision: str = NO_POLICY_REVISION

    def attach(self, scope: Scope) -> None:
        scope.setdefault("state", {})[_KEY] = self

    def recorded(self) -> RequestRecord:
        """The record, on a route that is not a probe."""
        if self.record is None:
            raise RuntimeError(f"{self.decision_id}: a probe's request has no record")
        return self.record

    @property
    def revision(self) -> str:
        """The policy revision the answer names: its decision's, else `policy_revision`."""
        if self.record is not None and self.record.decision is not None:
            return self.record.decision.policy_revision
        return self.policy_revision


def request_state(scope: Scope) -> RequestState:
    """The state `RequestState.attach` put in `scope`."""
    state: RequestState = scope["state"][_KEY]
    return state
