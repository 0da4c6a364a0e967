"""The gateway's planning steps (gateway/policy/planning.py): what each backend may be
sent and what is classified, the cap past which a request is decided unread, and the
check of a redacted body, where what redaction missed keeps the request home. A
stand-in sensitivity classifier decides what redaction finds and what the second look
finds; the check is what is tested."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from gateway.classify.budget import Budget
from gateway.classify.extract import Segment
from gateway.classify.signals import Level, SensitivitySignal
from gateway.errors import ModelNotFound
from gateway.policy.decision import Decision
from gateway.policy.engine import RequestFacts
from gateway.policy.fields import ALL, CLOUD_FIELDS
from gateway.policy.loader import LoadedPolicy
from gateway.policy.model import Policy
from gateway.policy.planning import (
    Decided,
    PlanConfig,
    check_redaction,
    past_the_cap,
    read_request,
)
from gateway.responses.schema import ResponsesRequest
from gateway.schemas import ChatCompletionRequest

CONFIG = PlanConfig(CLOUD_FIELDS, (ALL,), Budget(max_chars=1_000))


class Sensitivity:
    """Finds `value` for redaction when `redacts`; the second look finds `left`."""

    def __init__(self, value: str, redacts: bool, left: Level) -> None:
        self.value, self.redacts, self.left = value, redacts, left
        self.seen: list[str] = []

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        at = text.find(self.value)
        return [(at, at + len(self.value), "EMAIL_ADDRESS")] if self.redacts and at >= 0 else []

    def classify(self, segments: Iterable[Segment]) -> SensitivitySignal:
        self.seen = [s.text for s in segments]
        return SensitivitySignal(self.left, {}, 0.0)


class Classifiers:
    def __init__(self, sensitivity: Sensitivity) -> None:
        self.sensitivity = sensitivity


def active(sensitivity: Sensitivity) -> Any:
    return LoadedPolicy(Policy(), "rev", Path("p"), 0.0, Classifiers(sensitivity))


BODY = {"model": "auto", "messages": [{"role": "user", "content": "write to a@b.example"}]}
DECISION = Decision("d", "cloud", "r", "rev", redacted=True, fallback="edge")
DECIDED = Decided(RequestFacts(model="auto"), DECISION, DECISION, BODY)


def test_a_clean_redaction_leaves_for_the_cloud_with_a_restorer() -> None:
    sensitivity = Sensitivity("a@b.example", redacts=True, left=Level.PUBLIC)
    checked = check_redaction(active(sensitivity), DECIDED)
    assert checked.decision is DECISION
    assert checked.cloud["messages"][0]["content"] == "write to [EMAIL_ADDRESS_1]"
    assert sensitivity.seen == ["write to [EMAIL_ADDRESS_1]"]  # the redacted body was read
    assert checked.restorer is not None
    assert checked.restorer.text("[EMAIL_ADDRESS_1]") == "a@b.example"


def test_what_redaction_missed_keeps_the_request_home() -> None:
    sensitivity = Sensitivity("a@b.example", redacts=False, left=Level.CONFIDENTIAL)
    checked = check_redaction(active(sensitivity), DECIDED)
    decision = checked.decision
    assert decision.route == "edge"
    assert not decision.redacted
    assert decision.fallback is None
    assert "redaction left confidential" in decision.trace[-1]
    assert checked.evaluated is DECISION  # the engine's own decision is kept for replay
    assert checked.cloud == BODY
    assert checked.restorer is None


def test_a_decision_without_redaction_is_not_checked() -> None:
    sensitivity = Sensitivity("a@b.example", redacts=True, left=Level.RESTRICTED)
    plain = Decided(RequestFacts(model="auto"), DECISION, Decision("d", "cloud", "r", "rev"), BODY)
    assert check_redaction(active(sensitivity), plain) is plain
    assert sensitivity.seen == []


def test_only_the_cloud_fields_are_classified_under_their_aliases() -> None:
    chat = ChatCompletionRequest.model_validate(BODY | {"user": "u-1", "seed": 7})
    request = read_request(chat, PlanConfig(("messages",), (ALL,), Budget()))
    assert request.cloud == {"model": "auto", "messages": BODY["messages"]}
    assert request.edge == chat.as_json()
    assert [s.text for s in request.found] == ["write to a@b.example"]
    # A Responses body goes by the chat names: `instructions` leaves as `messages` does.
    responses = ResponsesRequest.model_validate(
        {"model": "auto", "input": "hi", "instructions": "be brief", "store": False}
    )
    assert set(read_request(responses, CONFIG).cloud) == {"model", "input", "instructions"}


def test_a_model_that_is_not_virtual_is_not_found() -> None:
    with pytest.raises(ModelNotFound):
        read_request(ChatCompletionRequest.model_validate(BODY | {"model": "gpt-x"}), CONFIG)


def test_past_the_cap_unless_a_rule_lets_unread_text_out() -> None:
    found = [Segment("user", "x" * 1_001)]
    assert past_the_cap(Policy(), found, CONFIG.budget)
    assert not past_the_cap(Policy(), found[:0], CONFIG.budget)
    lets_out = Policy.model_validate(
        {
            "rules": [
                {
                    "id": "r",
                    "when": {"model": "cloud"},
                    "route": "cloud",
                    "allow_unclassified": ["oversized"],
                }
            ]
        }
    )
    assert not past_the_cap(lets_out, found, CONFIG.budget)
