"""The classifier registry: every classifier hybridgate runs, built from the policy's
`classifiers:` options, and the one call that turns a request into Signals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from common.embedding import MiniLM
from gateway.classify.complexity import ComplexityClassifier
from gateway.classify.extract import Segment, segments
from gateway.classify.options import ClassifierOptions
from gateway.classify.semantic import MessageEmbeddings
from gateway.classify.sensitivity import SensitivityClassifier
from gateway.classify.signals import ComplexitySignal, SensitivitySignal, Signals
from gateway.schemas import ChatCompletionRequest, CompletionRequest


class Classifier(Protocol):
    name: str

    def classify(self, segments: Sequence[Segment]) -> Any: ...


class Classifiers:
    """Sensitivity and complexity, built once per policy snapshot (the spaCy model
    takes ~1 s). The sentence encoder (seconds: it is quantized as it loads) is given
    by the app, which loads it once for every snapshot. Both classifiers read one cache
    of message embeddings, so a message is embedded once."""

    def __init__(self, options: ClassifierOptions, model: MiniLM | None = None) -> None:
        self.embeddings = MessageEmbeddings(model or MiniLM(), options.sensitivity.cache_size)
        self.sensitivity = SensitivityClassifier(options.sensitivity, self.embeddings)
        self.complexity = ComplexityClassifier(options.complexity, embeddings=self.embeddings)

    @property
    def all(self) -> tuple[Classifier, ...]:
        return (self.sensitivity, self.complexity)

    def classify(self, body: ChatCompletionRequest | CompletionRequest) -> Signals:
        return self.classify_segments(segments(body))

    def cached(self, found: Sequence[Segment]) -> Signals | None:
        """The signals from the classifiers' caches alone, or None on any miss: cheap
        enough to try on the event loop before a hop to the classification thread."""
        sensitivity = self.sensitivity.cached(found)
        if sensitivity is None:
            return None
        complexity = self.complexity.cached(found)
        if complexity is None:
            return None
        return Signals(sensitivity, complexity)

    def classify_segments(self, found: Sequence[Segment]) -> Signals:
        analyzed = self.sensitivity.embedding_texts(found)
        if analyzed:
            # Presidio will run: embed beside it rather than after it.
            self.embeddings.prefetch([*analyzed, *self.complexity.embedding_texts(found)])
        # The complexity features need no embedding: computed before the sensitivity
        # classifier waits for it, they overlap it too.
        pending = self.complexity.start(found)
        sensitivity: SensitivitySignal = self.sensitivity.classify(found)
        complexity: ComplexitySignal = self.complexity.finish(pending)
        return Signals(sensitivity, complexity)
