"""Presidio's internals that hybridgate relies on, in one place; the rest of the code
calls these instead of touching them.

- `Pattern.compiled_regex` and `Pattern.compiled_with_flags` (plain attributes, not
  API): `PatternRecognizer` compiles a pattern into `compiled_regex` unless it is set
  and `compiled_with_flags` equals the flags of the call, then calls
  `compiled_regex.finditer(text, timeout=...)`. The word and digit gates
  (`gates`) and the classification deadline (`budget`) install stand-ins there.
- `AnalyzerEngine._enhance_using_context(text, raw_results, nlp_artifacts,
  recognizers, context)` (protected): `analyze` calls it with every recognizer's raw
  results. `LeanAnalyzerEngine` replaces it through `ContextStepEngine`.
- `SpacyNlpEngine.nlp` (a plain attribute): language -> spaCy `Language`, set by
  `load()` and read by `process_text`. `TrimmedSpacyEngine` fills it with pipelines
  built here instead of by name, through `set_pipelines`.
- `RecognizerRegistry.get_recognizers(language, entities, all_fields,
  ad_hoc_recognizers)`: public, but `CachedRegistry` overrides it and calls the base
  with these positional parameters, and `AnalyzerEngine.analyze` calls it with them
  by keyword.

Verified with presidio-analyzer 2.2.366 (tests/gateway/classify/test_presidio_compat.py
fails when one of these assumptions stops holding); pyproject allows >= 2.2.355, < 3,
and the lock pins what was verified.
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language


def compiled_regex(pattern: Pattern) -> Any:
    """What `PatternRecognizer` searches `pattern` with: None before its first search,
    a compiled regex after it, or a stand-in installed by `install_regex`."""
    return pattern.compiled_regex


def compiled_flags(pattern: Pattern) -> int | None:
    """The flags `compiled_regex(pattern)` serves; a search with others recompiles."""
    flags: int | None = pattern.compiled_with_flags
    return flags


def install_regex(pattern: Pattern, finder: Any, flags: int | None) -> None:
    """Makes `PatternRecognizer` search `pattern` with `finder` (anything with a
    `finditer(text, timeout=...)`) whenever it searches with `flags`; a search with
    other flags recompiles the pattern as usual. (Presidio annotates both attributes
    as None.)"""
    pattern.compiled_regex = finder
    pattern.compiled_with_flags = flags  # type: ignore[assignment]


def set_pipelines(engine: SpacyNlpEngine, pipelines: dict[str, Language]) -> None:
    """Makes `engine` read each language with the given pipeline; for an override of
    `SpacyNlpEngine.load`."""
    engine.nlp = pipelines  # type: ignore[assignment]  # annotated as None there


class ContextStepEngine(AnalyzerEngine):
    """`AnalyzerEngine` whose context step (the scores raised by context words, run on
    every recognizer's raw results) is `enhance_with_context`; Presidio's own by
    default."""

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return self.enhance_with_context(text, raw_results, nlp_artifacts, recognizers, context)

    def enhance_with_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        enhanced: list[RecognizerResult] = super()._enhance_using_context(
            text, raw_results, nlp_artifacts, recognizers, context
        )
        return enhanced
