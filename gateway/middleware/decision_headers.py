"""The x-hybridgate-* headers each response carries: its decision id, the policy
revision, the backend and any fallback.

The pipeline writes the decision (with its policy revision), the backend and any
fallback into the request's record (`gateway.record.RequestRecord`); the explain
endpoint, which decides without a record of its own, puts its revision in the request
state. The front layer (`gateway.middleware.front`) stamps them when the response
starts, so errors and streams carry the headers too.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import Message

from gateway.policy.decision import NO_POLICY_REVISION
from gateway.record import RequestRecord


def new_decision_id() -> str:
    return f"dec-{uuid.uuid4().hex}"


def _revision(state: dict[str, Any], record: RequestRecord | None) -> str:
    if record is not None and record.decision is not None:
        return record.decision.policy_revision
    revision: str = state.get("policy_revision", NO_POLICY_REVISION)
    return revision


def stamp(message: Message, state: dict[str, Any]) -> None:
    """Adds the headers to an http.response.start message."""
    headers = MutableHeaders(scope=message)
    headers["x-hybridgate-decision-id"] = state["decision_id"]
    record: RequestRecord | None = state.get("record")
    headers["x-hybridgate-policy-revision"] = _revision(state, record)
    if record is not None and record.backend:
        headers["x-hybridgate-route"] = record.backend
    if record is not None and record.fell_back:
        headers["x-hybridgate-fallback"] = record.fell_back
