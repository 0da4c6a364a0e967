"""Tokens already verified, so that a caller's next request with the same token skips
the RSA check and the claims checks.

Keyed by the SHA-256 of the whole token (signature included): only the very bytes that
verified can hit, and the cache never holds a token. An entry lives until the earliest
of the token's `exp`, `max_age_s` after it was verified, and the moment the signing keys
it was checked against are due for their refresh (`gateway.auth.jwks`): a key revoked
at the identity provider stops matching no later than it would without the cache. A
refresh that changes a key set clears the whole cache.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from gateway.auth.principal import Principal

DEFAULT_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    until: float  # monotonic


def token_key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class VerifiedTokens:
    def __init__(
        self,
        max_age_s: float,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._max_age_s = max_age_s
        self._max_entries = max_entries
        self._clock = clock
        self._wall = wall
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._max_age_s > 0 and self._max_entries > 0

    def get(self, key: bytes) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() >= entry.until:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.principal

    def put(
        self, key: bytes, principal: Principal, exp: float, keys_until: float | None = None
    ) -> None:
        """`exp`: the token's, in seconds since the epoch; `keys_until`: when the keys
        that verified it are due for a refresh, on this cache's (monotonic) clock."""
        if not self.enabled:
            return
        now = self._clock()
        until = now + min(self._max_age_s, exp - self._wall())
        if keys_until is not None:
            until = min(until, keys_until)
        if until <= now:
            return
        self._entries[key] = _Entry(principal, until)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
