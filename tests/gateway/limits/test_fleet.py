"""The fleet limiter on a real redis-server: every quota shared by the replicas,
atomically; leases that expire when a replica dies; keys that name no one."""

from __future__ import annotations

import asyncio
import math
import threading
import time

import pytest

from gateway.limits import Hold, RateLimited
from gateway.limits.fleet import FleetShares
from tests.gateway.limits.conftest import RedisServer
from tests.gateway.limits.helpers import Replicas, limits, who


def _admit_many(url: str, quota_limits: dict[str, object], calls: int, out: list[bool]) -> None:
    """One replica in a thread of its own, with its own event loop and connections,
    firing `calls` admissions at once."""

    async def main() -> None:
        replicas = Replicas(url)
        # 60 connections opened at once per replica: time enough on a busy machine.
        shares = replicas(upkeep=False, redis={"socket_timeout_s": 5})
        policy = limits(**quota_limits)

        async def one() -> bool:
            try:
                await shares.admit(policy, who("racer"), 1)
            except RateLimited:
                return False
            return True

        out.extend(await asyncio.gather(*(one() for _ in range(calls))))
        await replicas.close()

    asyncio.run(main())


@pytest.mark.parametrize(
    "quota",
    [{"requests_per_minute": 25}, {"concurrent": 7}, {"tokens_per_minute": 40}],
    ids=["requests", "concurrent", "tokens"],
)
def test_replicas_admitting_at_the_same_instant_never_both_pass_the_last_unit(
    redis_server: RedisServer, quota: dict[str, int]
) -> None:
    results: list[list[bool]] = [[], [], []]
    started = time.monotonic()
    threads = [
        threading.Thread(target=_admit_many, args=(redis_server.url, {"default": quota}, 60, out))
        for out in results
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    admitted = sum(sum(r) for r in results)
    limit = next(iter(quota.values()))  # tokens: one per request
    # Exactly the limit, but for what refilled while the test ran (none for concurrency).
    refill = 0 if "concurrent" in quota else math.floor(elapsed * limit / 60)
    assert limit <= admitted <= limit + refill
    assert sum(len(r) for r in results) == 180


async def test_requests_tokens_and_classification_are_counted_once_for_the_fleet(
    replicas: Replicas,
) -> None:
    a, b = replicas(), replicas()
    policy = limits(
        default={
            "requests_per_minute": 3,
            "tokens_per_minute": 1000,
            "classified_chars_per_minute": 1000,
        }
    )
    await a.admit(policy, who(), 600)
    await b.admit(policy, who(), 300)
    with pytest.raises(RateLimited) as tokens:
        await a.admit(policy, who(), 200)
    assert tokens.value.reason == "tokens"
    assert tokens.value.headers()["x-ratelimit-remaining-tokens"] == "100"
    await a.admit(policy, who(), 100)
    with pytest.raises(RateLimited) as requests:
        await b.admit(policy, who(), 1)
    error = requests.value
    assert (error.status_code, error.code, error.reason) == (429, "rate_limit_exceeded", "requests")
    assert error.headers()["x-ratelimit-limit-requests"] == "3"
    assert error.headers()["x-ratelimit-remaining-requests"] == "0"
    assert error.headers()["Retry-After"] == "20"  # one request back every 20 s
    await b.admit(policy, who("u2"), 1)  # another principal has its own quota
    await a.charge_classification(policy, who(), 800)
    with pytest.raises(RateLimited) as chars:
        await b.charge_classification(policy, who(), 300)
    assert chars.value.reason == "classification"
    assert a.refusals + b.refusals == {"tokens": 1, "requests": 1, "classification": 1}


async def test_a_classification_that_cost_more_is_debited_fleet_wide_without_refusal(
    replicas: Replicas,
) -> None:
    a, b = replicas(), replicas()
    policy = limits(default={"classified_chars_per_minute": 1000})
    await a.charge_classification(policy, who(), 100)
    # What the work cost beyond its characters: taken even past zero, never refused.
    await a.debit_classification(policy, who(), 5000)
    with pytest.raises(RateLimited) as owed:
        await b.charge_classification(policy, who(), 1)
    assert owed.value.reason == "classification"
    # At most a minute's worth is owed: a minute to refill from -1000 to 1.
    assert 60 <= float(owed.value.headers()["Retry-After"]) <= 61
    await b.charge_classification(policy, who("u2"), 1)  # another principal is not


async def test_the_precheck_asks_the_store_once_a_principal_was_refused_here(
    replicas: Replicas,
) -> None:
    a, b = replicas(), replicas()
    policy = limits(default={"requests_per_minute": 2})
    await a.admit(policy, who(), 1)
    await b.admit(policy, who(), 1)
    with pytest.raises(RateLimited):
        await a.admit(policy, who(), 1)
    # Refused here once: from now on the precheck refuses before any classification.
    with pytest.raises(RateLimited) as early:
        await a.precheck(policy, who())
    assert early.value.reason == "requests"
    await a.precheck(policy, who("u2"))


async def test_concurrency_is_held_fleet_wide_until_released(replicas: Replicas) -> None:
    a, b = replicas(), replicas()
    policy = limits(default={"concurrent": 2})
    first = await a.admit(policy, who(), 1)
    await b.admit(policy, who(), 1)
    for replica in (a, b):
        with pytest.raises(RateLimited, match="at once"):
            await replica.admit(policy, who(), 1)
    first.release()
    first.release()  # idempotent
    await a.flush()
    await b.admit(policy, who(), 1)
    with pytest.raises(RateLimited):
        await a.admit(policy, who(), 1)


async def test_a_dead_replicas_leases_expire_and_live_ones_are_renewed(
    replicas: Replicas,
) -> None:
    policy = limits(default={"concurrent": 2})
    doomed, alive = replicas(lease_s=1), replicas(lease_s=1)
    await doomed.admit(policy, who("dies"), 1)
    await doomed.admit(policy, who("dies"), 1)
    held = await alive.admit(policy, who("lives"), 1)
    await alive.admit(policy, who("lives"), 1)
    replicas.kill(doomed)
    await asyncio.sleep(2.0)  # twice the lease time
    # The live replica renewed its leases: the principal is still at its concurrency.
    with pytest.raises(RateLimited):
        await alive.admit(policy, who("lives"), 1)
    # The dead one's expired: its principal has its full concurrency back.
    await alive.admit(policy, who("dies"), 1)
    await alive.admit(policy, who("dies"), 1)
    held.release()
    await alive.flush()
    await alive.admit(policy, who("lives"), 1)


async def test_each_principal_holds_at_most_its_share_of_the_edge_fleet_wide(
    replicas: Replicas,
) -> None:
    a, b = replicas(), replicas()
    policy = limits(edge={"concurrent": 4, "max_share": 0.5})

    async def on_edge(shares: FleetShares, oid: str) -> Hold:
        lease = await shares.admit(policy, who(oid), 1)
        await shares.admit_edge(policy, lease)
        return lease

    await on_edge(a, "greedy")
    await on_edge(b, "greedy")
    with pytest.raises(RateLimited) as share:
        await on_edge(a, "greedy")
    assert share.value.reason == "edge_share"
    assert "share of the edge (2 of 4)" in share.value.message
    first = await on_edge(b, "x")
    await on_edge(a, "y")
    with pytest.raises(RateLimited) as busy:
        await on_edge(b, "late")
    assert busy.value.reason == "edge_busy"
    first.release()
    await b.flush()
    await on_edge(a, "late")


async def test_tokens_are_corrected_by_what_the_answer_used(replicas: Replicas) -> None:
    a, b = replicas(), replicas()
    policy = limits(default={"tokens_per_minute": 1000})
    lease = await a.admit(policy, who(), 900)  # the estimate: prompt plus max_tokens
    lease.release(used_tokens=100)
    await a.flush()
    await b.admit(policy, who(), 850)
    more = await b.admit(policy, who(), 10)
    more.release(used_tokens=5000)  # more than estimated: the bucket is emptied
    await b.flush()
    with pytest.raises(RateLimited):
        await a.admit(policy, who(), 10)


async def test_keys_in_redis_are_hashes_not_names(
    replicas: Replicas, redis_server: RedisServer
) -> None:
    shares = replicas()
    email = "jane.roe@contoso.com"
    policy = limits(
        default={"requests_per_minute": 10, "concurrent": 3},
        edge={"concurrent": 4},
    )
    lease = await shares.admit(policy, who(email, tenant="contoso-tenant"), 1)
    await shares.admit_edge(policy, lease)
    tenant_policy = limits(key="tenant", default={"requests_per_minute": 10})
    await shares.admit(tenant_policy, who(email, tenant="contoso-tenant"), 1)
    keys = [k.decode() for k in redis_server.client().keys("*")]
    assert len(keys) >= 4
    for key in keys:
        assert key.startswith("hybridgate:limits:")
        assert "jane" not in key
        assert "contoso" not in key
        assert "user:" not in key
    admin = redis_server.client()
    stored = b"".join(
        b"".join(admin.zrange(k, 0, -1))
        if admin.type(k) == b"zset"
        else str(admin.hgetall(k)).encode()
        for k in keys
    )
    assert b"jane" not in stored
    assert b"contoso" not in stored
