"""How busy the edge is, polled from its /readyz: slots busy, slots total and requests
waiting for a slot. Spillover rules (`edge_queue_over`) read the in-flight count
(busy plus waiting); /metrics shows all of it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from gateway.backends.upstream import Upstream

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EdgeSlots:
    busy: int
    total: int
    waiting: int

    @property
    def in_flight(self) -> int:
        return self.busy + self.waiting

    @property
    def occupancy(self) -> float:
        return self.busy / self.total if self.total else 0.0


def parse_readyz(status: Any) -> EdgeSlots | None:
    """The edge's load from its /readyz body; None when the body does not say."""
    if not isinstance(status, dict):
        return None
    busy, total = _count(status.get("slots_busy")), _count(status.get("slots_total"))
    waiting = _count(status.get("queue_depth"))
    if busy is not None and total is not None and waiting is not None:
        return EdgeSlots(busy, total, waiting)
    # An edge from before slots reports only its in-flight jobs, one decoding at a time.
    in_flight = _count(status.get("in_flight"))
    if in_flight is not None:
        return EdgeSlots(min(in_flight, 1), 1, max(in_flight - 1, 0))
    return None


def _count(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


class EdgeLoad:
    def __init__(self, edge: Upstream, interval_s: float) -> None:
        self._edge = edge
        self._interval_s = interval_s
        # None until known: spillover rules never match on a guess.
        self.slots: EdgeSlots | None = None

    @property
    def in_flight(self) -> int | None:
        return self.slots.in_flight if self.slots is not None else None

    async def refresh(self) -> None:
        self.slots = parse_readyz(await self._edge.get_json("/readyz"))
        if self.slots is not None:
            # The edge is back (a restart after a crash, say): the breaker need not
            # refuse sensitive work for the rest of its cooldown.
            self._edge.breaker.probe_succeeded()

    async def run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:  # a bad answer must not end the polling
                log.exception("reading the edge's load failed")
                self.slots = None
            await asyncio.sleep(self._interval_s)
