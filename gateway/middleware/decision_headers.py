"""The x-hybridgate-* headers each response carries: its decision id, the policy
revision, the backend and any fallback.

The pipeline writes the decision (with its policy revision), the backend and any
fallback into the request's record (`gateway.record.RequestRecord`); the explain
endpoint, which decides without recording a decision, puts its revision in the
request's state (`gateway.request_state.RequestState`). The front layer
(`gateway.middleware.front`) stamps them when the response starts, so errors and
streams carry the headers too.
"""

from __future__ import annotations

import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import Message

from gateway.request_state import RequestState


def new_decision_id() -> str:
    return f"dec-{uuid.uuid4().hex}"


def stamp(message: Message, state: RequestState) -> None:
    """Adds the headers to an http.response.start message."""
    headers = MutableHeaders(scope=message)
    headers["x-hybridgate-decision-id"] = state.decision_id
    headers["x-hybridgate-policy-revision"] = state.revision
    record = state.record
    if record is not None and record.backend:
        headers["x-hybridgate-route"] = record.backend
    if record is not None and record.fell_back:
        headers["x-hybridgate-fallback"] = record.fell_back
