"""The route vocabulary: a decision and a rule extend the one list of routes."""

from __future__ import annotations

from typing import get_args

from gateway.policy.decision import ROUTES, DecisionRoute, RuleRoute


def test_decision_and_rule_routes_extend_the_routes() -> None:
    assert ROUTES == ("edge", "cloud")
    assert get_args(DecisionRoute) == (*ROUTES, "deny")
    assert get_args(RuleRoute) == (*ROUTES, "redact_then_cloud")
