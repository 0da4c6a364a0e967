"""Presidio's analyzer with less bookkeeping per call, the same results.

On a short prompt much of `AnalyzerEngine.analyze` was orchestration, not recognition
(the share measured: docs/benchmarks-history.md): the registry rebuilt its recognizer
list (a set per entity type) on every call, the engine filtered the whole result list
twice per recognizer to give each its own results and everyone else's, and the lemma
context enhancer deep-copied every result although it only changes those of
recognizers with context words. Here:
- the recognizer list is computed once per (language, entities) and recognizer set;
- results are grouped by recognizer in one pass, and "everyone else's" is built only
  for a recognizer that overrides `enhance_using_context` (none of hybridgate's do);
- the context enhancer copies and reads only the results it could change.
What it returns is what Presidio returns: the final order is fixed by Presidio's own
de-duplication sort, whatever order the results arrive in.
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.classify.presidio_compat import ContextStepEngine

_ID = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY


class CachedRegistry(RecognizerRegistry):
    """A registry that remembers which recognizers serve a request. The key holds the
    registered recognizers' ids, so adding or removing one is seen at once. The
    override keeps Presidio's signature (see `presidio_compat`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._served: dict[tuple[Any, ...], list[EntityRecognizer]] = {}

    def get_recognizers(
        self,
        language: str,
        entities: list[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list[EntityRecognizer] | None = None,
    ) -> list[EntityRecognizer]:
        if ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        key = (
            language,
            None if entities is None else tuple(entities),
            all_fields,
            tuple(id(r) for r in self.recognizers),
        )
        served = self._served.get(key)
        if served is None:
            served = super().get_recognizers(language, entities, all_fields)
            self._served = {key: served}  # one recognizer set at a time: no growth
        return list(served)


class LeanContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma enhancer, given only the results it could change: those of
    recognizers with context words. The rest pass through untouched, as they do
    inside Presidio's loop (minus the deep copy)."""

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        # The same lookup as Presidio's: by id, the last recognizer with that id.
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        changeable: list[RecognizerResult] = []
        untouched: list[RecognizerResult] = []
        for result in raw_results:
            metadata = result.recognition_metadata
            recognizer = by_id.get(metadata[_ID]) if metadata and _ID in metadata else None
            (changeable if recognizer is not None and recognizer.context else untouched).append(
                result
            )
        if not changeable:
            return untouched
        enhanced: list[RecognizerResult] = super().enhance_using_context(
            text, changeable, nlp_artifacts, recognizers, context
        )
        return enhanced + untouched


class LeanAnalyzerEngine(ContextStepEngine):
    """`AnalyzerEngine` with a cached recognizer list and the lean context step."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("context_aware_enhancer", LeanContextEnhancer())
        super().__init__(**kwargs)

    def enhance_with_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        own: dict[str, list[RecognizerResult]] = {}
        for result in raw_results:
            own.setdefault(result.recognition_metadata[_ID], []).append(result)
        results: list[RecognizerResult] = []
        for recognizer in recognizers:
            mine = list(own.get(recognizer.id, ()))
            if _overrides_enhancement(recognizer):
                others = [r for r in raw_results if r.recognition_metadata[_ID] != recognizer.id]
                mine = recognizer.enhance_using_context(
                    text=text,
                    raw_recognizer_results=mine,
                    other_raw_recognizer_results=others,
                    nlp_artifacts=nlp_artifacts,
                    context=context,
                )
            results.extend(mine)
        enhanced: list[RecognizerResult] = self.context_aware_enhancer.enhance_using_context(
            text=text,
            raw_results=results,
            nlp_artifacts=nlp_artifacts,
            recognizers=recognizers,
            context=context,
        )
        return enhanced


def _overrides_enhancement(recognizer: EntityRecognizer) -> bool:
    """Whether the recognizer does more than `EntityRecognizer`'s default, which
    returns its own results unchanged."""
    return type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context
