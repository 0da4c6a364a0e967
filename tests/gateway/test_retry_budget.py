from gateway.backends.retry_budget import RetryBudget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_retries_are_a_share_of_recent_requests() -> None:
    budget = RetryBudget(ratio=0.25, min_per_s=0, window_s=10, clock=Clock())
    for _ in range(8):
        budget.record_request()
    assert [budget.try_retry() for _ in range(3)] == [True, True, False]


def test_a_floor_allows_retries_when_traffic_is_light() -> None:
    budget = RetryBudget(ratio=0.0, min_per_s=0.2, window_s=10, clock=Clock())
    assert [budget.try_retry() for _ in range(3)] == [True, True, False]


def test_the_budget_follows_the_window() -> None:
    clock = Clock()
    budget = RetryBudget(ratio=0.5, min_per_s=0, window_s=10, clock=clock)
    budget.record_request()
    budget.record_request()
    assert budget.try_retry()
    assert not budget.try_retry()
    clock.now += 11  # requests and retries of the old window no longer count
    assert not budget.try_retry()
    budget.record_request()
    budget.record_request()
    assert budget.try_retry()
