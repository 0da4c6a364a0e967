"""The lean analyzer returns exactly what Presidio's own AnalyzerEngine returns over
the same recognizers and NLP engine, context enhancement included."""

from __future__ import annotations

import pytest
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult

from gateway.classify.engine import CachedRegistry, LeanAnalyzerEngine
from gateway.classify.nlp import TrimmedSpacyEngine, load_pipeline, tokenizer_pipeline
from gateway.classify.recognizers import all_recognizers
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY

OPTIONS = load_classifier_options(DEFAULT_POLICY).sensitivity
TEXTS = [
    "Please review the quarterly plan for the Lisbon office and list the open risks.",
    # Context words raise these scores: the enhancer must still see them.
    "Call me on 415 555 0132 tonight, or my phone 212-555-0199.",
    "My SSN is 536-22-8741 and my credit card 4111 1111 1111 1111.",
    "Maria Lopez was diagnosed with diabetes; her salary is under review.",
    "Wire it to IBAN DE89 3704 0044 0532 0130 00, routing number 021000021.",
    "token ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5 and AKIA4HX7QWE3RTY5UIOP",
    "",
]


def _key(results: list[RecognizerResult]) -> list[tuple[str, int, int, float]]:
    return [(r.entity_type, r.start, r.end, r.score) for r in results]


@pytest.fixture(scope="module")
def engines() -> tuple[AnalyzerEngine, LeanAnalyzerEngine]:
    nlp = TrimmedSpacyEngine(tokenizer_pipeline(load_pipeline()))
    recognizers = all_recognizers(OPTIONS)
    stock = AnalyzerEngine(
        registry=RecognizerRegistry(recognizers=recognizers, supported_languages=["en"]),
        nlp_engine=nlp,
        supported_languages=["en"],
    )
    lean = LeanAnalyzerEngine(
        registry=CachedRegistry(recognizers=recognizers, supported_languages=["en"]),
        nlp_engine=nlp,
        supported_languages=["en"],
    )
    return stock, lean


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("threshold", [None, 0.0, 0.4])
def test_same_results_as_presidio(
    engines: tuple[AnalyzerEngine, LeanAnalyzerEngine], text: str, threshold: float | None
) -> None:
    stock, lean = engines
    for _ in range(2):  # the second call is served by the cached recognizer list
        assert _key(lean.analyze(text=text, language="en", score_threshold=threshold)) == _key(
            stock.analyze(text=text, language="en", score_threshold=threshold)
        )


def test_context_words_still_raise_scores(
    engines: tuple[AnalyzerEngine, LeanAnalyzerEngine],
) -> None:
    _, lean = engines
    bare = lean.analyze(text="It is 212-555-0199.", language="en", entities=["PHONE_NUMBER"])
    near = lean.analyze(text="Phone 212-555-0199.", language="en", entities=["PHONE_NUMBER"])
    assert max(r.score for r in near) > max(r.score for r in bare)


def test_registry_sees_added_recognizers(
    engines: tuple[AnalyzerEngine, LeanAnalyzerEngine],
) -> None:
    registry = CachedRegistry(recognizers=all_recognizers(OPTIONS)[:2], supported_languages=["en"])
    before = registry.get_recognizers("en", all_fields=True)
    registry.add_recognizer(all_recognizers(OPTIONS)[2])
    assert len(registry.get_recognizers("en", all_fields=True)) == len(before) + 1
