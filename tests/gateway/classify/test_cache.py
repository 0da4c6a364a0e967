from __future__ import annotations

from gateway.classify.cache import LruCache, content_key


def test_lru_evicts_the_least_recently_used() -> None:
    cache: LruCache[int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)
    assert len(cache) == 2


def test_keys_are_hashes_not_text() -> None:
    key = content_key("my ssn is 123-45-6789")
    assert "123" not in key
    assert len(key) == 64
