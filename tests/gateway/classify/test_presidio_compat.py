"""The Presidio internals `presidio_compat` relies on, checked against the installed
Presidio: each test fails when its assumption stops holding."""

from __future__ import annotations

import inspect
from typing import Any

import regex
import spacy
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language

from gateway.classify.nlp import tokenizer_pipeline
from gateway.classify.presidio_compat import (
    ContextStepEngine,
    compiled_flags,
    compiled_regex,
    install_regex,
    set_pipelines,
)

TEXT = "my phone is 415 555 0132"


class SpyRegex:
    """A compiled regex that records how it is called."""

    def __init__(self, source: str) -> None:
        self._compiled = regex.compile(source)
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def finditer(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        return self._compiled.finditer(*args, **kwargs)


class PipelineEngine(SpacyNlpEngine):
    """A spaCy engine over a pipeline built here, as `TrimmedSpacyEngine` is."""

    def __init__(self, pipeline: Language) -> None:
        super().__init__()
        self.pipeline = pipeline

    def load(self) -> None:
        set_pipelines(self, {"en": self.pipeline})


def _parameters(function: Any) -> list[tuple[str, Any]]:
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()]


def _digits() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="DIGITS", patterns=[Pattern("digits", r"\d{3}", 0.5)], context=["phone"]
    )


def _engine(engine_class: type[AnalyzerEngine], *recognizers: EntityRecognizer) -> Any:
    return engine_class(
        registry=RecognizerRegistry(recognizers=list(recognizers), supported_languages=["en"]),
        nlp_engine=PipelineEngine(tokenizer_pipeline(spacy.blank("en"))),
        supported_languages=["en"],
    )


def _key(results: list[RecognizerResult]) -> list[tuple[str, int, int, float]]:
    return sorted((r.entity_type, r.start, r.end, r.score) for r in results)


# --- Pattern.compiled_regex -------------------------------------------------------------


def test_a_new_pattern_is_not_compiled_yet() -> None:
    pattern = Pattern("digits", r"\d+", 0.5)
    assert (compiled_regex(pattern), compiled_flags(pattern)) == (None, None)


def test_a_recognizer_searches_with_the_installed_regex_and_a_timeout() -> None:
    recognizer = _digits()
    (pattern,) = recognizer.patterns
    spy = SpyRegex(r"\d{3}")
    install_regex(pattern, spy, recognizer.global_regex_flags)
    results = recognizer.analyze(TEXT, ["DIGITS"])
    # One call: the text, then the timeout by keyword (the stand-ins' signature).
    ((args, kwargs),) = spy.calls
    assert args == (TEXT,)
    assert list(kwargs) == ["timeout"]
    assert isinstance(kwargs["timeout"], int | float)
    # What it found is what the recognizer reports, and the stand-in stays installed.
    assert [(r.start, r.end) for r in results] == [(12, 15), (16, 19), (20, 23)]
    assert compiled_regex(pattern) is spy
    assert compiled_flags(pattern) == recognizer.global_regex_flags


def test_a_search_with_other_flags_compiles_its_own_regex() -> None:
    recognizer = _digits()
    (pattern,) = recognizer.patterns
    spy = SpyRegex(r"\d{3}")
    install_regex(pattern, spy, recognizer.global_regex_flags)
    other = regex.IGNORECASE
    assert len(recognizer.analyze(TEXT, ["DIGITS"], regex_flags=other)) == 3
    assert spy.calls == []
    assert compiled_regex(pattern) is not spy
    assert compiled_flags(pattern) == other


# --- AnalyzerEngine._enhance_using_context ----------------------------------------------


def test_the_context_step_keeps_its_signature() -> None:
    assert _parameters(AnalyzerEngine._enhance_using_context) == [
        ("self", inspect.Parameter.empty),
        ("text", inspect.Parameter.empty),
        ("raw_results", inspect.Parameter.empty),
        ("nlp_artifacts", inspect.Parameter.empty),
        ("recognizers", inspect.Parameter.empty),
        ("context", None),
    ]


def test_analyze_runs_the_context_step_on_the_raw_results_and_returns_its_answer() -> None:
    seen: list[tuple[Any, ...]] = []

    class Recording(ContextStepEngine):
        def enhance_with_context(
            self,
            text: str,
            raw_results: list[RecognizerResult],
            nlp_artifacts: NlpArtifacts,
            recognizers: list[EntityRecognizer],
            context: list[str] | None = None,
        ) -> list[RecognizerResult]:
            seen.append((text, list(raw_results), nlp_artifacts, list(recognizers), context))
            return raw_results[:1]

    recognizer = _digits()
    results = _engine(Recording, recognizer).analyze(TEXT, language="en", context=["number"])
    ((text, raw, artifacts, recognizers, context),) = seen
    assert (text, recognizers, context) == (TEXT, [recognizer], ["number"])
    assert isinstance(artifacts, NlpArtifacts)
    assert [(r.start, r.score) for r in raw] == [(12, 0.5), (16, 0.5), (20, 0.5)]
    assert [(r.start, r.end) for r in results] == [(12, 15)]  # the step's answer


def test_the_context_step_is_presidios_own_by_default() -> None:
    recognizer = _digits()
    stock = _engine(AnalyzerEngine, recognizer).analyze(TEXT, language="en")
    hooked = _engine(ContextStepEngine, recognizer).analyze(TEXT, language="en")
    assert _key(hooked) == _key(stock)
    assert {r.score for r in stock} == {0.85}  # "phone" nearby raised every score


# --- RecognizerRegistry.get_recognizers -------------------------------------------------


def test_get_recognizers_keeps_its_signature() -> None:
    assert _parameters(RecognizerRegistry.get_recognizers) == [
        ("self", inspect.Parameter.empty),
        ("language", inspect.Parameter.empty),
        ("entities", None),
        ("all_fields", False),
        ("ad_hoc_recognizers", None),
    ]


def test_analyze_asks_the_registry_by_these_keywords() -> None:
    calls: list[dict[str, Any]] = []

    class Recording(RecognizerRegistry):
        def get_recognizers(self, *args: Any, **kwargs: Any) -> list[EntityRecognizer]:
            calls.append({"args": args, **kwargs})
            found: list[EntityRecognizer] = super().get_recognizers(*args, **kwargs)
            return found

    engine = AnalyzerEngine(
        registry=Recording(recognizers=[_digits()], supported_languages=["en"]),
        nlp_engine=PipelineEngine(tokenizer_pipeline(spacy.blank("en"))),
        supported_languages=["en"],
    )
    engine.analyze(TEXT, language="en", entities=["DIGITS"])
    assert calls[0] == {
        "args": (),
        "language": "en",
        "entities": ["DIGITS"],
        "all_fields": False,
        "ad_hoc_recognizers": None,
    }
    # CachedRegistry calls the base by position: (language, entities, all_fields).
    recognizer = _digits()
    registry = RecognizerRegistry(recognizers=[recognizer], supported_languages=["en"])
    assert registry.get_recognizers("en", ["DIGITS"], False) == [recognizer]


# --- SpacyNlpEngine.nlp -----------------------------------------------------------------


def test_the_spacy_engine_reads_the_pipelines_set_for_it() -> None:
    pipeline = spacy.blank("en")
    # A tokenization no stock pipeline has: the tokens show whose pipeline ran.
    pipeline.tokenizer.add_special_case("Hello", [{"ORTH": "Hel"}, {"ORTH": "lo"}])
    engine = PipelineEngine(pipeline)
    assert not engine.is_loaded()  # `nlp` starts as None
    assert list(inspect.signature(SpacyNlpEngine.load).parameters) == ["self"]
    AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])  # calls load()
    assert engine.is_loaded()
    assert engine.get_supported_languages() == ["en"]
    artifacts = engine.process_text("Hello there", "en")
    assert [token.text for token in artifacts.tokens] == ["Hel", "lo", "there"]
