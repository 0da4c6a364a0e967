"""Message embeddings: cached once per text, and embedded beside Presidio on a miss."""

from __future__ import annotations

import threading

import numpy as np

from common.embedding import MiniLM, TextVectors
from gateway.classify.extract import Segment
from gateway.classify.registry import Classifiers
from gateway.classify.semantic import MessageEmbeddings


class RecordingModel:
    """The real encoder, noting which thread embedded which text."""

    def __init__(self, model: MiniLM) -> None:
        self.model = model
        self.calls: list[tuple[str, str]] = []

    def embed_text(self, text: str) -> TextVectors:
        self.calls.append((threading.current_thread().name, text))
        return self.model.embed_text(text)


def test_a_prefetched_text_is_embedded_once_on_the_embedding_thread(
    classifiers: Classifiers,
) -> None:
    model = RecordingModel(classifiers.embeddings.model)
    embeddings = MessageEmbeddings(model, cache_size=16)  # type: ignore[arg-type]
    text = "The quarterly numbers look better than expected."
    embeddings.prefetch([text, text])
    vector = embeddings.of(text)
    assert np.allclose(vector.whole, model.model.embed_one(text))
    assert embeddings.of(text) is vector  # from the cache now
    assert [name.startswith("embed") for name, _ in model.calls] == [True]


def test_without_a_prefetch_the_caller_embeds(classifiers: Classifiers) -> None:
    model = RecordingModel(classifiers.embeddings.model)
    embeddings = MessageEmbeddings(model, cache_size=16)  # type: ignore[arg-type]
    embeddings.of("A sentence nobody asked for in advance.")
    assert [name for name, _ in model.calls] == [threading.current_thread().name]


def test_a_classification_miss_embeds_beside_presidio(classifiers: Classifiers) -> None:
    model = RecordingModel(classifiers.embeddings.model)
    original = classifiers.embeddings.model
    classifiers.embeddings.model = model  # type: ignore[assignment]
    try:
        text = "Gustavo's knee surgery went well; write him a note from the team."
        classifiers.classify_segments([Segment("user", text)])
        # One embedding for both classifiers, done on the embedding thread.
        assert len(model.calls) == 1
        assert model.calls[0][0].startswith("embed")
        classifiers.classify_segments([Segment("user", text)])
        assert len(model.calls) == 1
    finally:
        classifiers.embeddings.model = original
