"""A caller told to wait is refused until then without its body being read.

A 429 for the request rate, the token quota or the classification allowance carries
a Retry-After: the wait until the refused request would fit. A client that sends again
sooner (an abusive one does, with bodies of megabytes) would otherwise have each body
parsed, walked and hashed on the event loop before being refused again: work for every
other caller's requests to wait behind. So the fast path (`gateway.api.direct`) asks
here first, by the bearer credential the refused request came with (only its holder
can send it again), and answers the same refusal with the wait that is left.

Per replica, in memory: a replica that never refused the caller reads its body and asks
the limits as usual. Concurrency and edge refusals are not held: a place frees as soon
as a request ends.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.auth.principal import Principal
from gateway.limits.refusal import PER_MINUTE, RateLimited

# The refusals whose wait is the time until the refused request fits.
HELD = frozenset({"requests", "tokens", "classification"})
MAX_HELD = 10_000


@dataclass(frozen=True)
class Held:
    refusal: RateLimited
    principal: Principal | None


@dataclass(frozen=True)
class _Entry:
    until: float
    refusal: RateLimited
    principal: Principal | None


class HoldOff:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, longest_s: float = PER_MINUTE
    ) -> None:
        self._clock = clock
        # A request larger than the quota never fits: its wait is capped, so that the
        # caller's next request is asked about again, not refused for hours.
        self._longest_s = longest_s
        self._held: dict[bytes, _Entry] = {}

    def note(self, credential: str, principal: Principal | None, refusal: RateLimited) -> None:
        """Remembers a refusal given to the holder of `credential`."""
        if refusal.reason not in HELD or not credential:
            return
        now = self._clock()
        if len(self._held) >= MAX_HELD:
            self._forget_expired(now)
            if len(self._held) >= MAX_HELD:
                # Full of live entries: forgetting one only means reading its next body.
                self._held.pop(next(iter(self._held)))
        wait = min(refusal.wait_s, self._longest_s)
        self._held[_digest(credential)] = _Entry(now + wait, refusal, principal)

    def check(self, credential: str) -> Held | None:
        """The refusal to answer the holder of `credential` with now (the same message,
        the wait that is left), or None to go on as usual."""
        if not self._held or not credential:
            return None
        key = _digest(credential)
        entry = self._held.get(key)
        if entry is None:
            return None
        left = entry.until - self._clock()
        if left <= 0:
            del self._held[key]
            return None
        return Held(entry.refusal.again(left), entry.principal)

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, e in self._held.items() if e.until <= now]:
            del self._held[key]


def _digest(credential: str) -> bytes:
    # Not the token itself: nothing here outlives the request that carried it in a
    # form that could be sent again.
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).digest()
