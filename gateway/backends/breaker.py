"""A circuit breaker per backend: after `threshold` consecutive failures it opens and
fails requests at once; after `cooldown_s` it lets one trial through (half-open), whose
outcome closes or re-opens it. A successful health probe (the edge's load poll) ends
the cooldown early, so a restarted backend is tried again within a poll interval."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(
        self, threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold = threshold
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._cooldown_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        with self._lock:
            state = self.state
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def probe_succeeded(self) -> None:
        """A health probe found the backend ready: an open breaker need not sit out the
        rest of its cooldown, and lets its one trial through now. Only a real request
        closes it, since a ready probe does not prove that requests succeed."""
        with self._lock:
            if self._opened_at is not None and not self._trial_running:
                self._opened_at = min(self._opened_at, self._clock() - self._cooldown_s)

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self._threshold:
                self._opened_at = self._clock()
            self._trial_running = False
