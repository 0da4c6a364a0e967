"""The semantic context recognizer: a message is about health, HR or money when its
embedding is close enough to one of the policy's exemplars of that context. It finds
what term lists miss ("her kidneys are only working at 15%") and feeds the same
entity types (HEALTH_CONTEXT, ...), so the combination rules ("person + health
context") apply unchanged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from common.embedding import MiniLM, TextVectors, Vector
from gateway.classify.options import SemanticContextOptions


@dataclass(frozen=True)
class _Context:
    entity: str
    threshold: float
    exemplars: Vector  # (n, dimensions), unit rows
    unlike: Vector | None  # (m, dimensions), unit rows; None when there are none


class SemanticContextRecognizer:
    def __init__(self, model: MiniLM, options: list[SemanticContextOptions]) -> None:
        # Exemplars are embedded once, when the policy loads.
        self._contexts = [
            _Context(
                o.entity,
                o.threshold,
                model.embed(list(o.exemplars)).vectors,
                model.embed(list(o.unlike)).vectors if o.unlike else None,
            )
            for o in options
        ]

    @property
    def entities(self) -> list[str]:
        return [c.entity for c in self._contexts]

    def similarities(self, vector: Vector) -> dict[str, float]:
        """Per context, the cosine similarity of the nearest exemplar."""
        return {c.entity: float(np.max(c.exemplars @ vector)) for c in self._contexts}

    def findings(self, vectors: TextVectors) -> dict[str, float]:
        """The contexts the message is about, with their similarity as the score: the
        whole message's, or one sentence's when that is nearer. A vector nearer to an
        `unlike` exemplar is about the topic in general (or about a public person),
        not about someone's situation: a threshold alone cannot tell the two apart,
        they share the topic's words."""
        rows = np.vstack([vectors.whole, vectors.parts])
        found: dict[str, float] = {}
        for c in self._contexts:
            scores = np.max(rows @ c.exemplars.T, axis=1)
            near = scores >= c.threshold
            if c.unlike is not None:
                near &= np.max(rows @ c.unlike.T, axis=1) < scores
            if near.any():
                found[c.entity] = float(np.max(scores[near]))
        return found
