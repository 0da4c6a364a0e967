"""The classifier registry: every classifier hybridgate runs, built from the policy's
`classifiers:` options, and the one call that turns a request's texts into Signals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from common.embedding import MiniLM
from gateway.classify.budget import OVERSIZED, TIMEOUT, Budget, Deadline, within
from gateway.classify.complexity import ComplexityClassifier
from gateway.classify.extract import Segment
from gateway.classify.options import ClassifierOptions
from gateway.classify.semantic import MessageEmbeddings
from gateway.classify.sensitivity import SensitivityClassifier
from gateway.classify.signals import SensitivitySignal, Signals

# Texts whose embedding starts on the shared embedding thread ahead of Presidio.
PREFETCHED = 4


class Classifiers:
    """Sensitivity and complexity, built once per policy snapshot (loading the spaCy
    model is slow). The sentence encoder (slower still: it is quantized as it loads) is
    given by the app, which loads it once for every snapshot. Both classifiers read one
    cache of message embeddings, so a message is embedded once."""

    def __init__(self, options: ClassifierOptions, model: MiniLM | None = None) -> None:
        self.embeddings = MessageEmbeddings(model or MiniLM(), options.sensitivity.cache_size)
        self.sensitivity = SensitivityClassifier(options.sensitivity, self.embeddings)
        self.complexity = ComplexityClassifier(options.complexity, embeddings=self.embeddings)

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

    def classify_segments(self, found: Sequence[Segment], budget: Budget | None = None) -> Signals:
        """The signals for the texts, within `budget` (the default budget when None):
        text past its character cap is not read (`oversized`), and a classification
        past its deadline stops with what it read (`timeout`); both are reported as
        unreadable kinds of the sensitivity signal, never raised."""
        budget = budget or Budget()
        read, cut = within(found, budget)
        deadline = Deadline(budget.timeout_s)
        analyzed = self.sensitivity.embedding_texts(read)
        if analyzed:
            # Presidio will run: embed beside it rather than after it. A few texts
            # only: the embedding thread is every request's, and the rest is embedded
            # on this request's own thread, within its deadline.
            ahead = [*self.complexity.embedding_texts(read), *analyzed][:PREFETCHED]
            self.embeddings.prefetch(ahead)
        # The complexity features need no embedding: computed before the sensitivity
        # classifier waits for it, they overlap it too.
        pending = self.complexity.start(read)
        sensitivity: SensitivitySignal = self.sensitivity.classify(read, deadline)
        if cut:
            sensitivity = replace(sensitivity, unreadable=sensitivity.unreadable | {OVERSIZED})
        if TIMEOUT in sensitivity.unreadable or deadline.remaining() <= 0:
            # What is known of the work asked for: its cues, without the embedding.
            complexity = self.complexity.partial(pending)
            sensitivity = replace(sensitivity, unreadable=sensitivity.unreadable | {TIMEOUT})
        else:
            complexity = self.complexity.finish(pending)
        return Signals(sensitivity, complexity)
