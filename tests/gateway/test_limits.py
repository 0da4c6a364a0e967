"""Fair shares: quotas per principal, refusals with OpenAI's 429 and headers, recovery
after the window, and each caller's share of the edge under concurrency."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from gateway.auth.principal import Principal
from gateway.limits import Lease, Limiter, RateLimited
from gateway.policy.model import Limits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def who(oid: str = "u1", tenant: str = "t1", roles: tuple[str, ...] = ()) -> Principal:
    return Principal(
        subject=oid, oid=oid, tid=tenant, app_id="app", is_app=False, roles=frozenset(roles),
        scopes=frozenset(), groups=frozenset(), token_version="2.0",
    )  # fmt: skip


def limits(**data: Any) -> Limits:
    return Limits.model_validate(data)


def test_requests_per_minute_refuse_then_recover_after_the_window() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    quota = limits(default={"requests_per_minute": 3})
    for _ in range(3):
        limiter.admit(quota, who(), 1).release()
    with pytest.raises(RateLimited) as refused:
        limiter.admit(quota, who(), 1)
    error = refused.value
    assert (error.status_code, error.code, error.error_type) == (
        429,
        "rate_limit_exceeded",
        "requests",
    )
    headers = error.headers()
    assert headers["Retry-After"] == "20"  # one request comes back every 20 s
    assert headers["x-ratelimit-limit-requests"] == "3"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"].endswith("s")
    limiter.admit(quota, who("u2"), 1)  # another caller is not affected
    clock.now += 20
    limiter.admit(quota, who(), 1)
    assert limiter.refusals["requests"] == 1


def test_tokens_per_minute_count_what_the_request_may_use() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    quota = limits(default={"tokens_per_minute": 1000})
    limiter.admit(quota, who(), 700)
    with pytest.raises(RateLimited) as refused:
        limiter.admit(quota, who(), 400)
    assert refused.value.error_type == "tokens"
    assert refused.value.headers()["x-ratelimit-remaining-tokens"] == "300"
    clock.now += 6  # 100 tokens come back every 6 s
    limiter.admit(quota, who(), 400)
    # A request bigger than the whole quota is not refused forever: it costs the quota.
    clock.now += 60
    limiter.admit(quota, who(), 50_000)


def test_concurrency_is_held_until_the_lease_is_released() -> None:
    limiter = Limiter(Clock())
    quota = limits(default={"concurrent": 2})
    first, _ = limiter.admit(quota, who(), 1), limiter.admit(quota, who(), 1)
    with pytest.raises(RateLimited, match="at once"):
        limiter.admit(quota, who(), 1)
    first.release()
    first.release()  # idempotent
    limiter.admit(quota, who(), 1)
    with pytest.raises(RateLimited):
        limiter.admit(quota, who(), 1)


def test_a_role_quota_replaces_the_default_and_keys_can_be_tenants() -> None:
    limiter = Limiter(Clock())
    quota = limits(
        key="tenant",
        default={"requests_per_minute": 1},
        roles=[{"roles_any": ["Batch"], "requests_per_minute": 100}],
    )
    limiter.admit(quota, who("a"), 1)
    with pytest.raises(RateLimited):
        limiter.admit(quota, who("b"), 1)  # same tenant, same quota
    limiter.admit(quota, who("c", tenant="t2"), 1)
    for _ in range(10):
        limiter.admit(quota, who("d", tenant="t3", roles=("Batch",)), 1)


def test_one_caller_holds_at_most_its_share_of_the_edge_under_concurrency() -> None:
    limiter = Limiter(Clock())
    quota = limits(edge={"concurrent": 8, "max_share": 0.5})
    admitted: list[Lease] = []
    refused: list[str] = []
    lock = threading.Lock()

    def caller(oid: str) -> None:
        lease = limiter.admit(quota, who(oid), 1)
        try:
            limiter.admit_edge(quota, lease)
        except RateLimited as exc:
            with lock:
                refused.append(f"{oid}:{exc.reason}")
            lease.release()
            return
        with lock:
            admitted.append(lease)

    threads = [threading.Thread(target=caller, args=("abuser",)) for _ in range(20)]
    threads += [threading.Thread(target=caller, args=(f"user{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = [lease.key for lease in admitted]
    assert held.count("user:abuser") == 4  # half of 8
    assert sorted(k for k in held if k != "user:abuser") == [f"user:user{i}" for i in range(4)]
    assert refused.count("abuser:edge_share") == 16
    # The edge is full now: anyone new waits for a place.
    late = limiter.admit(quota, who("late"), 1)
    with pytest.raises(RateLimited, match="edge is serving 8"):
        limiter.admit_edge(quota, late)
    admitted[0].release()
    limiter.admit_edge(quota, late)


def test_no_limits_means_no_refusals() -> None:
    limiter = Limiter(Clock())
    for _ in range(1000):
        lease = limiter.admit(Limits(), who(), 10_000)
        limiter.admit_edge(Limits(), lease)


def test_the_precheck_refuses_what_admit_would_and_takes_nothing() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    quota = limits(default={"requests_per_minute": 2, "concurrent": 1})
    for _ in range(5):
        limiter.precheck(quota, who())  # asking takes no request from the quota
    held = limiter.admit(quota, who(), 1)
    with pytest.raises(RateLimited) as busy:
        limiter.precheck(quota, who())
    assert busy.value.code == "rate_limit_exceeded"
    assert busy.value.reason == "concurrent"
    held.release()
    limiter.admit(quota, who(), 1).release()
    with pytest.raises(RateLimited) as spent:
        limiter.precheck(quota, who())
    assert spent.value.reason == "requests"
    assert limiter.refusals == {"concurrent": 1, "requests": 1}
    limiter.precheck(quota, who("u2"))  # another caller has its own quota
    limiter.precheck(limits(), who())  # and no limits refuse nothing


def test_a_classification_that_cost_more_is_debited_without_refusal() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    quota = limits(default={"classified_chars_per_minute": 1000})
    limiter.charge_classification(quota, who(), 100)
    # Taken past zero, down to a minute's worth owed, never refused: the work is done.
    limiter.debit_classification(quota, who(), 5000)
    with pytest.raises(RateLimited) as owed:
        limiter.precheck(quota, who())
    assert owed.value.reason == "classification"
    assert owed.value.headers()["Retry-After"] == "61"  # from -1000 to 1: 61 s
    limiter.precheck(quota, who("u2"))
    clock.now += 61
    limiter.precheck(quota, who())
