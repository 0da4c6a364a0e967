"""The complexity score in two steps (features first, the embedding's part after, as
the classifier registry runs it on a miss) equals the score in one."""

from __future__ import annotations

from gateway.classify.complexity import ComplexityClassifier, ComplexityModel
from gateway.classify.extract import Segment
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY

OPTIONS = load_classifier_options(DEFAULT_POLICY).complexity
TEXT = "Prove that there are infinitely many primes, step by step, in Python."


def _classifier() -> ComplexityClassifier:
    # Features only: no sentence encoder to load.
    model = ComplexityModel.packaged()
    return ComplexityClassifier(OPTIONS, ComplexityModel(model.bias, model.weights))


def test_two_steps_give_the_one_step_score() -> None:
    segments = [Segment("system", "Be brief."), Segment("user", TEXT)]
    split, whole = _classifier(), _classifier()
    pending = split.start(segments)
    assert pending.signal is None
    assert pending.contributions
    assert split.finish(pending) == whole.classify(segments) == whole.score_text(TEXT)


def test_a_scored_prompt_is_answered_from_the_cache() -> None:
    classifier = _classifier()
    first = classifier.classify([Segment("user", TEXT)])
    pending = classifier.start([Segment("user", TEXT)])
    assert pending.signal == first
    assert pending.contributions is None
    assert classifier.finish(pending) is pending.signal
