"""Signals given rather than classified (gateway/policy/given.py), as `policy test`
and `policy replay` make them: labelled at the policy's threshold, as the complexity
classifier labels a score."""

from __future__ import annotations

import pytest

from gateway.classify.options import ComplexityOptions
from gateway.classify.signals import Level
from gateway.policy.given import given_signals


@pytest.mark.parametrize(
    ("score", "label"), [(0.0, "simple"), (0.59, "simple"), (0.6, "complex"), (1.0, "complex")]
)
def test_the_label_is_set_at_the_threshold(score: float, label: str) -> None:
    signals = given_signals(
        Level.INTERNAL, {"PERSON": 2}, score, ComplexityOptions(threshold=0.6), 0.5
    )
    assert (signals.complexity.score, signals.complexity.label) == (score, label)
    sensitivity = signals.sensitivity
    assert (sensitivity.level, dict(sensitivity.entities), sensitivity.score) == (
        Level.INTERNAL,
        {"PERSON": 2},
        0.5,
    )
    assert sensitivity.unreadable == frozenset()
