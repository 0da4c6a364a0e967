"""The redacted body is classified again before it leaves: what redaction missed keeps
the request home. A stand-in sensitivity classifier decides what redaction finds and
what the second look finds; the pipeline's check is what is tested."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gateway.classify.extract import Segment
from gateway.classify.signals import Level, SensitivitySignal
from gateway.pipeline import _redacted
from gateway.policy.decision import Decision
from gateway.policy.loader import LoadedPolicy
from gateway.policy.model import Policy


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


def test_a_clean_redaction_leaves_for_the_cloud_with_a_restorer() -> None:
    sensitivity = Sensitivity("a@b.example", redacts=True, left=Level.PUBLIC)
    payload, restorer, decision = _redacted(active(sensitivity), BODY, DECISION)
    assert decision is DECISION
    assert payload["messages"][0]["content"] == "write to [EMAIL_ADDRESS_1]"
    assert sensitivity.seen == ["write to [EMAIL_ADDRESS_1]"]  # the redacted body was read
    assert restorer is not None
    assert restorer.text("[EMAIL_ADDRESS_1]") == "a@b.example"


def test_what_redaction_missed_keeps_the_request_home() -> None:
    sensitivity = Sensitivity("a@b.example", redacts=False, left=Level.CONFIDENTIAL)
    payload, restorer, decision = _redacted(active(sensitivity), BODY, DECISION)
    assert decision.route == "edge"
    assert not decision.redacted
    assert decision.fallback is None
    assert "redaction left confidential" in decision.trace[-1]
    assert payload == BODY
    assert restorer is None
