"""The per-request state the front layer makes and the routes read
(gateway/request_state.py)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.policy.decision import NO_POLICY_REVISION, Decision
from gateway.record import RequestRecord
from gateway.request_state import RequestState, request_state


def test_it_is_read_back_from_the_scope_it_was_attached_to() -> None:
    scope: dict[str, Any] = {"type": "http", "state": {"lifespan": "kept"}}
    state = RequestState("dec-1")
    state.attach(scope)
    assert request_state(scope) is state
    assert scope["state"]["lifespan"] == "kept"
    bare: dict[str, Any] = {"type": "http"}
    state.attach(bare)
    assert request_state(bare) is state


def test_the_revision_is_the_recorded_decision_s_else_the_explained_one() -> None:
    state = RequestState("dec-1")
    assert state.revision == NO_POLICY_REVISION
    state.policy_revision = "sha256:explained"
    assert state.revision == "sha256:explained"
    record = state.record = RequestRecord("dec-1", "req-1", "POST", "/v1/chat/completions")
    assert state.revision == "sha256:explained"
    record.decision = Decision("dec-1", "edge", "default", "sha256:decided")
    assert state.revision == "sha256:decided"


def test_a_probe_has_no_record() -> None:
    with pytest.raises(RuntimeError, match="dec-1"):
        RequestState("dec-1").recorded()
    record = RequestRecord("dec-2", "req-2", "POST", "/v1/completions")
    assert RequestState("dec-2", record).recorded() is record
