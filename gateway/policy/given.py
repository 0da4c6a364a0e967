"""Signals given rather than classified: a `policy test` case's, or a decision the audit
log recorded (`policy replay`). The complexity label is set at the policy's threshold,
as the complexity classifier sets it."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.classify.options import ComplexityOptions
from gateway.classify.signals import ComplexitySignal, Level, SensitivitySignal, Signals


def given_signals(
    level: Level,
    entities: Mapping[str, int],
    complexity: float,
    options: ComplexityOptions,
    confidence: float,
) -> Signals:
    return Signals(
        SensitivitySignal(level, entities, confidence),
        ComplexitySignal(complexity, "complex" if complexity >= options.threshold else "simple"),
    )
