"""Each caller's share of the classification threads.

The threads are few (`classification.workers`, 2 by default), and one caller's work
can fill them: a few huge or pathological prompts, each allowed its full time budget,
and every other caller's classification of a short prompt waits behind them for
seconds. So no caller may hold more than `share` of the threads at once (all but one,
and at least one): the rest of its classifications wait for its own, in its own queue,
and a thread stays free for everyone else. The allowance per minute
(`classified_chars_per_minute`) bounds how much a caller classifies; this bounds how
much of the gateway it holds while doing so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ClassificationShares:
    def __init__(self, workers: int) -> None:
        self.share = max(1, workers - 1)
        # Per caller: its semaphore and how many hold or wait for it; dropped when none
        # does, so the map does not grow with the callers ever seen.
        self._held: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def hold(self, caller: str) -> AsyncIterator[None]:
        """Waits until `caller` has fewer than `share` classifications running, then
        holds one of its places until the block ends (cancelled waits included)."""
        semaphore, users = self._held.get(caller, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self.share)
        self._held[caller] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._held[caller]
            if users <= 1:
                del self._held[caller]
            else:
                self._held[caller] = (semaphore, users - 1)

    def callers(self) -> int:
        """Callers holding or waiting for a place (for tests and metrics)."""
        return len(self._held)
