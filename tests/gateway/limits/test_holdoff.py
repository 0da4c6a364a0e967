"""A refusal with a wait is answered again, by credential, until the wait is over."""

from __future__ import annotations

from gateway.limits.holdoff import MAX_HELD, HoldOff
from gateway.limits.refusal import RateLimited, edge_busy


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def refusal(reason: str = "tokens", wait_s: float = 10.0) -> RateLimited:
    return RateLimited("rate limit: too much", reason, wait_s, {"x-ratelimit-limit-tokens": "9"})


def test_a_refused_credential_is_refused_until_its_wait_is_over() -> None:
    clock = Clock()
    holds = HoldOff(clock)
    holds.note("Bearer a", None, refusal(wait_s=10.0))
    clock.now += 4.0
    held = holds.check("Bearer a")
    assert held is not None
    assert held.refusal.message == "rate limit: too much"
    assert held.refusal.reason == "tokens"
    headers = held.refusal.headers()
    assert headers["Retry-After"] == "6"
    assert headers["retry-after-ms"] == "6000"
    assert headers["x-ratelimit-limit-tokens"] == "9"
    assert holds.check("Bearer b") is None
    clock.now += 6.0
    assert holds.check("Bearer a") is None


def test_places_that_free_at_any_moment_are_not_held() -> None:
    holds = HoldOff(Clock())
    holds.note("Bearer a", None, edge_busy(4))
    holds.note("Bearer a", None, refusal("concurrent"))
    assert holds.check("Bearer a") is None


def test_a_wait_longer_than_a_minute_is_held_a_minute() -> None:
    clock = Clock()
    holds = HoldOff(clock)
    holds.note("Bearer a", None, refusal(wait_s=3600.0))
    clock.now += 59.0
    assert holds.check("Bearer a") is not None
    clock.now += 1.0
    assert holds.check("Bearer a") is None


def test_no_credential_no_hold() -> None:
    holds = HoldOff(Clock())
    holds.note("", None, refusal())
    assert holds.check("") is None


def test_memory_is_bounded() -> None:
    clock = Clock()
    holds = HoldOff(clock)
    for i in range(MAX_HELD + 50):
        holds.note(f"Bearer {i}", None, refusal(wait_s=30.0))
    assert len(holds._held) == MAX_HELD
    # The newest are kept.
    assert holds.check(f"Bearer {MAX_HELD + 49}") is not None
