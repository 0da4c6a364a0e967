"""How busy the edge is: its in-flight job count, polled from the edge's /readyz, for
spillover rules (`edge_queue_over`)."""

from __future__ import annotations

import asyncio
import logging

from gateway.backends.upstream import Upstream

log = logging.getLogger(__name__)


class EdgeLoad:
    def __init__(self, edge: Upstream, interval_s: float) -> None:
        self._edge = edge
        self._interval_s = interval_s
        # None until known: spillover rules never match on a guess.
        self.in_flight: int | None = None

    async def refresh(self) -> None:
        status = await self._edge.get_json("/readyz")
        value = status.get("in_flight") if isinstance(status, dict) else None
        self.in_flight = value if isinstance(value, int) else None

    async def run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:  # a bad answer must not end the polling
                log.exception("reading the edge's load failed")
                self.in_flight = None
            await asyncio.sleep(self._interval_s)
