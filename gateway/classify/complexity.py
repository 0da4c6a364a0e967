"""The complexity classifier: a logistic model over `complexity_features` and the
prompt's sentence embedding, trained on the dev split in data/eval by
tools/train_complexity.py and shipped as JSON (nothing is downloaded). Its probability
is the score; the biggest contributions are reported as the features that drove it,
the embedding's as one feature, `semantic`."""

from __future__ import annotations

import importlib.resources
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from common.embedding import MiniLM
from gateway.classify.cache import LruCache, content_key
from gateway.classify.complexity_features import features
from gateway.classify.extract import MESSAGE_ROLES, Segment
from gateway.classify.normalize import readings
from gateway.classify.options import ComplexityOptions
from gateway.classify.semantic import MessageEmbeddings
from gateway.classify.signals import ComplexitySignal

MODEL_RESOURCE = "complexity_model.json"
DEFAULT_CACHE_SIZE = 4096
SEMANTIC = "semantic"


@dataclass(frozen=True)
class ComplexityModel:
    bias: float
    weights: dict[str, float]
    # Weights over the sentence embedding; empty for a features-only model.
    embedding: tuple[float, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComplexityModel:
        return cls(
            float(data["bias"]),
            {k: float(v) for k, v in data["weights"].items()},
            tuple(float(v) for v in data.get("embedding_weights", ())),
        )

    @classmethod
    def packaged(cls) -> ComplexityModel:
        resource = importlib.resources.files("gateway.classify.data").joinpath(MODEL_RESOURCE)
        return cls.from_json(json.loads(resource.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class PendingScore:
    """A prompt's score begun by `ComplexityClassifier.start`: the cached signal, or
    the feature contributions computed so far."""

    key: str
    text: str
    signal: ComplexitySignal | None
    contributions: dict[str, float] | None


class ComplexityClassifier:
    def __init__(
        self,
        options: ComplexityOptions,
        model: ComplexityModel | None = None,
        embeddings: MessageEmbeddings | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._options = options
        self._model = model or ComplexityModel.packaged()
        self._embedding = np.asarray(self._model.embedding, dtype=np.float32)
        if self._model.embedding and embeddings is None:
            embeddings = MessageEmbeddings(MiniLM(), cache_size=1024)
        self._embeddings = embeddings
        # Scores by content hash, like the sensitivity findings: a repeated prompt is
        # then answered from the caches alone, on the event loop.
        self._cache: LruCache[ComplexitySignal] = LruCache(cache_size)

    @property
    def threshold(self) -> float:
        """The score from which a prompt is labelled complex."""
        return self._options.threshold

    def classify(self, segments: Sequence[Segment]) -> ComplexitySignal:
        return self.finish(self.start(segments))

    def start(self, segments: Sequence[Segment]) -> PendingScore:
        """The cached signal, or the prompt's features: what needs no embedding. On a
        miss the caller runs this while the embedding is still being computed."""
        text = _newest_request(segments)
        key = content_key(text)
        signal = self._cache.get(key)
        features_now = None if signal is not None else self._features(text)
        return PendingScore(key, text, signal, features_now)

    def finish(self, pending: PendingScore) -> ComplexitySignal:
        """The signal for what `start` began (the embedding's part added)."""
        if pending.signal is not None:
            return pending.signal
        signal = self._score(pending.text, pending.contributions or {})
        self._cache.put(pending.key, signal)
        return signal

    def partial(self, pending: PendingScore) -> ComplexitySignal:
        """The signal from the cues alone, when there is no time left for the
        embedding; not cached, so the next request scores the text in full."""
        if pending.signal is not None:
            return pending.signal
        return self._score(pending.text, pending.contributions or {}, embedded=False)

    def embedding_texts(self, segments: Sequence[Segment]) -> list[str]:
        """What `classify` will embed: the newest request's normalized reading, unless
        it was scored before or the model reads no embedding."""
        if self._embeddings is None or not self._embedding.size:
            return []
        text = _newest_request(segments)
        if self._cache.peek(content_key(text)) is not None:
            return []
        return [readings(text)[-1].text]

    def cached(self, segments: Sequence[Segment]) -> ComplexitySignal | None:
        """The signal if this text was scored before, else None."""
        return self._cache.get(content_key(_newest_request(segments)))

    def score_text(self, text: str) -> ComplexitySignal:
        return self._score(text, self._features(text))

    def _features(self, text: str) -> dict[str, float]:
        return {
            name: self._model.weights[name] * value
            for name, value in features(text).items()
            if name in self._model.weights
        }

    def _score(
        self, text: str, contributions: dict[str, float], embedded: bool = True
    ) -> ComplexitySignal:
        contributions = dict(contributions)
        if embedded and self._embeddings is not None and self._embedding.size:
            # The reading the sensitivity classifier embeds too: one embedding a message.
            vector = self._embeddings.of(readings(text)[-1].text).whole
            contributions[SEMANTIC] = float(self._embedding @ vector)
        logit = self._model.bias + sum(contributions.values())
        score = 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))
        top = sorted(contributions.items(), key=lambda item: abs(item[1]), reverse=True)
        return ComplexitySignal(
            score=score,
            label="complex" if score >= self._options.threshold else "simple",
            features=dict(top[: self._options.top_features]),
        )


def _newest_request(segments: Sequence[Segment]) -> str:
    """The newest user turn decides how hard the request is; earlier turns are context."""
    for segment in reversed(segments):
        if segment.role == "user":
            return segment.text
    # Tool schemas and other fields are not the work asked for.
    return "\n".join(segment.text for segment in segments if segment.role in MESSAGE_ROLES)
