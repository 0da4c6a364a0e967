"""The semantic signal: one sentence embedding per message text, cached by content hash
like the other findings, shared by the complexity model and the context recognizer."""

from __future__ import annotations

from common.embedding import MiniLM, Vector
from gateway.classify.cache import LruCache, content_key


class MessageEmbeddings:
    """Embeds each distinct message once: a conversation's earlier turns, a repeated
    system prompt and the text both classifiers read cost nothing the second time."""

    def __init__(self, model: MiniLM, cache_size: int) -> None:
        self.model = model
        self.cache: LruCache[Vector] = LruCache(cache_size)

    def of(self, text: str) -> Vector:
        key = content_key(text)
        vector = self.cache.get(key)
        if vector is None:
            vector = self.model.embed_one(text)
            self.cache.put(key, vector)
        return vector
