"""Reading the edge's load from its /readyz body."""

from __future__ import annotations

import pytest

from gateway.backends.breaker import CircuitBreaker
from gateway.backends.edge_load import EdgeLoad, EdgeSlots, parse_readyz


def test_slots_and_queue_are_read() -> None:
    slots = parse_readyz({"slots_busy": 8, "slots_total": 8, "queue_depth": 3, "in_flight": 11})
    assert slots == EdgeSlots(busy=8, total=8, waiting=3)
    assert slots.in_flight == 11
    assert slots.occupancy == 1.0


def test_an_edge_without_slots_reports_one_decoding_at_a_time() -> None:
    assert parse_readyz({"status": "ready", "in_flight": 3}) == EdgeSlots(1, 1, 2)
    assert parse_readyz({"status": "ready", "in_flight": 0}) == EdgeSlots(0, 1, 0)


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {},
        {"in_flight": -1},
        {"in_flight": True},
        {"in_flight": "3"},
        {"slots_busy": 1, "slots_total": "8", "queue_depth": 0},
    ],
)
def test_an_answer_that_does_not_say_is_unknown(body: object) -> None:
    assert parse_readyz(body) is None


def test_occupancy_of_no_slots_is_zero() -> None:
    assert EdgeSlots(0, 0, 0).occupancy == 0.0


class _Edge:
    """What EdgeLoad reads: a /readyz body and the edge's breaker."""

    def __init__(self, body: object) -> None:
        self.body = body
        self.breaker = CircuitBreaker(threshold=1, cooldown_s=3600)

    async def get_json(self, path: str) -> object:
        return self.body


async def test_a_ready_edge_ends_its_breakers_cooldown() -> None:
    edge = _Edge({"slots_busy": 0, "slots_total": 8, "queue_depth": 0})
    edge.breaker.record_failure()
    load = EdgeLoad(edge, 0.5)  # type: ignore[arg-type]
    await load.refresh()
    assert edge.breaker.state == "half_open"
    assert load.in_flight == 0


async def test_an_edge_that_does_not_answer_leaves_its_breaker_open() -> None:
    edge = _Edge(None)
    edge.breaker.record_failure()
    load = EdgeLoad(edge, 0.5)  # type: ignore[arg-type]
    await load.refresh()
    assert edge.breaker.state == "open"
    assert load.in_flight is None
