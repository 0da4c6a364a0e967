"""The sensitivity classifier: Presidio over the trimmed spaCy pipeline, per message,
cached by content hash, then mapped to a level by the policy's rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult

from gateway.classify.cache import LruCache, content_key
from gateway.classify.extract import Segment
from gateway.classify.levels import sensitivity_level
from gateway.classify.nlp import TrimmedSpacyEngine, load_pipeline
from gateway.classify.options import SensitivityOptions
from gateway.classify.recognizers import all_recognizers
from gateway.classify.signals import SensitivitySignal


@dataclass(frozen=True)
class Findings:
    """What one message holds: entity type -> count and best score. No matched text."""

    counts: dict[str, int]
    scores: dict[str, float]


class SensitivityClassifier:
    name = "sensitivity"

    def __init__(self, options: SensitivityOptions) -> None:
        self._options = options
        recognizers = all_recognizers(options)
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
        engine = TrimmedSpacyEngine(load_pipeline(options.spacy_model))
        self._analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=engine, supported_languages=["en"]
        )
        self._entities = sorted({e for r in recognizers for e in r.supported_entities})
        self._allowed = [term.lower() for term in options.allow_list]
        self._floor = min([options.min_score, *options.score_thresholds.values()])
        self.cache: LruCache[Findings] = LruCache(options.cache_size)

    def classify(self, segments: Iterable[Segment]) -> SensitivitySignal:
        counts: Counter[str] = Counter()
        scores: dict[str, float] = {}
        for segment in segments:
            findings = self.findings(segment.text)
            counts.update(findings.counts)
            for name, score in findings.scores.items():
                scores[name] = max(score, scores.get(name, 0.0))
        level, score = sensitivity_level(counts, scores, self._options)
        return SensitivitySignal(level=level, entities=dict(counts), score=score)

    def findings(self, text: str) -> Findings:
        key = content_key(text)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        findings = self._analyze(text)
        self.cache.put(key, findings)
        return findings

    def _analyze(self, text: str) -> Findings:
        results = self._analyzer.analyze(
            text=text, language="en", entities=self._entities, score_threshold=self._floor
        )
        counts: Counter[str] = Counter()
        scores: dict[str, float] = {}
        for result in results:
            threshold = self._options.score_thresholds.get(
                result.entity_type, self._options.min_score
            )
            if result.score < threshold or self._is_allowed(text, result):
                continue
            counts[result.entity_type] += 1
            scores[result.entity_type] = max(result.score, scores.get(result.entity_type, 0.0))
        return Findings(dict(counts), scores)

    def _is_allowed(self, text: str, result: RecognizerResult) -> bool:
        value = text[result.start : result.end].lower()
        return any(
            value == term or value.endswith(("@" + term, "." + term)) for term in self._allowed
        )
