from __future__ import annotations

from gateway.backends.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_and_half_opens_after_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    clock.now = 10
    assert breaker.state == "half_open"
    assert breaker.allow()  # one trial
    assert not breaker.allow()  # and only one
    breaker.record_success()
    assert breaker.state == "closed"


def test_a_failed_trial_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown_s=5, clock=clock)
    breaker.record_failure()
    clock.now = 5
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now = 9
    assert not breaker.allow()


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown_s=5)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_a_ready_probe_ends_the_cooldown_but_only_a_request_closes_it() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure()
    clock.now = 1
    assert breaker.state == "open"
    breaker.probe_succeeded()
    assert breaker.state == "half_open"
    assert breaker.allow()  # the trial goes now, not at t=10
    breaker.probe_succeeded()  # a probe during the trial changes nothing
    assert not breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"


def test_a_ready_probe_leaves_a_closed_breaker_closed() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown_s=10, clock=Clock())
    breaker.probe_succeeded()
    assert breaker.state == "closed"
