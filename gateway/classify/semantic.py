"""The semantic signal: one embedding per message text (the whole text's vector and its
sentences'), cached by content hash like the other findings, shared by the complexity
model and the context recognizer."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from common.embedding import MiniLM, TextVectors
from gateway.classify.cache import LruCache, content_key


class MessageEmbeddings:
    """Embeds each distinct message once: a conversation's earlier turns, a repeated
    system prompt and the text both classifiers read cost nothing the second time.

    `prefetch` starts embeddings on a thread of their own while the caller runs
    Presidio: onnxruntime releases the GIL, so on a miss the embedding and the
    recognizers overlap on two cores instead of adding up on one."""

    def __init__(self, model: MiniLM, cache_size: int) -> None:
        self.model = model
        self.cache: LruCache[TextVectors] = LruCache(cache_size)
        self._pending: dict[str, Future[TextVectors]] = {}
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def prefetch(self, texts: Iterable[str]) -> None:
        """Starts embedding the texts not cached yet; `of` then waits for them."""
        for text in texts:
            key = content_key(text)
            if self.cache.peek(key) is not None:
                continue
            with self._lock:
                if key in self._pending:
                    continue
                self._pending[key] = self._pool().submit(self._embed, key, text)

    def of(self, text: str) -> TextVectors:
        key = content_key(text)
        vector = self.cache.get(key)
        if vector is not None:
            return vector
        with self._lock:
            future = self._pending.get(key)
        if future is not None:
            return future.result()
        # Done between the two looks: the cache has it now. (Not `or`: a vector has no
        # truth value.)
        vector = self.cache.peek(key)
        return vector if vector is not None else self._embed(key, text)

    def _embed(self, key: str, text: str) -> TextVectors:
        try:
            vector = self.model.embed_text(text)
            self.cache.put(key, vector)
            return vector
        finally:
            # After the put: a reader that no longer finds the future finds the cache.
            with self._lock:
                self._pending.pop(key, None)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
            # A policy reload drops this object with its snapshot: let the thread go too.
            weakref.finalize(self, self._executor.shutdown, wait=False)
        return self._executor
