"""A retry budget per backend: retries may add at most `ratio` of the requests sent,
plus a small floor per second, so that a failing backend is not hit by a retry storm
(each caller retrying once doubles the load exactly when the backend is weakest).

Each request deposits `ratio` of a token; each retry withdraws a whole one. Tokens
expire after `window_s`, so the budget follows recent traffic.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RetryBudget:
    def __init__(
        self,
        ratio: float,
        min_per_s: float,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ratio = ratio
        self._min_per_s = min_per_s
        self._window_s = window_s
        self._clock = clock
        self._requests: deque[float] = deque()
        self._retries: deque[float] = deque()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        for stamps in (self._requests, self._retries):
            while stamps and stamps[0] <= now - self._window_s:
                stamps.popleft()

    def record_request(self) -> None:
        with self._lock:
            now = self._clock()
            self._expire(now)
            self._requests.append(now)

    def try_retry(self) -> bool:
        """Spends one retry if the budget allows it."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            allowed = len(self._requests) * self._ratio + self._min_per_s * self._window_s
            if len(self._retries) + 1 > allowed:
                return False
            self._retries.append(now)
            return True
