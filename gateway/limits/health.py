"""Whether the shared limit store answers: one flag that the fleet limiter reads on
every request, flipped (and logged once per change) by a failed call or a probe."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class StoreHealth:
    def __init__(self, failure_mode: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.up = True
        self._failure_mode = failure_mode
        self._clock = clock
        self._down_since = 0.0

    def failed(self, reason: str) -> None:
        if not self.up:
            return
        self.up = False
        self._down_since = self._clock()
        what = (
            "each request is refused with 503 limits_unavailable"
            if self._failure_mode == "closed"
            else "each replica enforces its part of the limits in memory"
        )
        logger.warning("limits store unreachable (%s): %s until it answers", reason, what)

    def recovered(self) -> None:
        if self.up:
            return
        self.up = True
        down_s = self._clock() - self._down_since
        logger.info("limits store answers again after %.1f s: limits are shared again", down_s)
