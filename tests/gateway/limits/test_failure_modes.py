"""What the fleet limiter does while Redis cannot be reached: `closed` refuses with a
503 at once, `local` enforces each replica's part in memory; and how it finds the store
back without a restart."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest

from gateway.errors import LimitsUnavailable
from gateway.limits import Lease, RateLimited
from tests.gateway.limits.conftest import RedisServer
from tests.gateway.limits.helpers import Replicas, limits, until, who

POLICY = limits(default={"requests_per_minute": 30, "concurrent": 6}, edge={"concurrent": 6})


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a store lost in the network."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


async def test_closed_refuses_with_a_503_when_the_store_is_stopped(
    replicas: Replicas, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    shares = replicas()
    await shares.admit(POLICY, who(), 1)
    redis_server.stop()
    started = time.monotonic()
    with pytest.raises(LimitsUnavailable) as refused:
        await shares.admit(POLICY, who(), 1)
    assert time.monotonic() - started < 1.0
    error = refused.value
    assert (error.status_code, error.code, error.error_type) == (
        503,
        "limits_unavailable",
        "server_error",
    )
    assert error.headers() == {"Retry-After": "1"}
    assert shares.store_state == "down"
    assert "limits store unreachable" in caplog.text
    # Known to be down: the next requests are refused without waiting for the network.
    started = time.monotonic()
    for _ in range(20):
        with pytest.raises(LimitsUnavailable):
            await shares.precheck(POLICY, who())
    assert time.monotonic() - started < 0.1
    # A policy that limits nothing needs no store.
    await shares.admit(limits(), who(), 1)


async def test_a_store_that_never_answers_is_down_within_a_second(silent_port: int) -> None:
    shares = Replicas(f"redis://127.0.0.1:{silent_port}/0")(upkeep=False)
    started = time.monotonic()
    with pytest.raises(LimitsUnavailable):
        await shares.admit(POLICY, who(), 1)
    assert time.monotonic() - started < 1.0
    await shares.aclose()


async def test_local_enforces_each_replicas_part_of_the_limits(
    replicas: Replicas, redis_server: RedisServer
) -> None:
    shares = replicas(on_store_unavailable="local", replicas=3)
    before = await shares.admit(POLICY, who(), 1)
    redis_server.stop()
    held = []
    for _ in range(2):
        held.append(await shares.admit(POLICY, who(), 1))  # concurrency: 6 / 3
    assert shares.store_state == "down"
    assert all(isinstance(lease, Lease) for lease in held)
    with pytest.raises(RateLimited, match="more than 2 requests at once"):
        await shares.admit(POLICY, who(), 1)
    for lease in held:
        lease.release()
    for _ in range(8):  # 10 requests a minute each: 30 / 3, two of them taken above
        (await shares.admit(POLICY, who(), 1)).release()
    with pytest.raises(RateLimited) as refused:
        await shares.admit(POLICY, who(), 1)
    assert refused.value.headers()["x-ratelimit-limit-requests"] == "10"
    # A request admitted by the store before it went down gets its edge place here.
    await shares.admit_edge(POLICY, before)
    assert before.edge
    before.release()


async def test_shared_counting_resumes_when_the_store_is_back(
    replicas: Replicas, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.limits.health")
    a, b = replicas(), replicas()
    await until(lambda: a.store_state == b.store_state == "up")
    redis_server.stop()
    for replica in (a, b):
        with pytest.raises(LimitsUnavailable):
            await replica.admit(POLICY, who(), 1)
    redis_server.start()
    waited = await until(lambda: a.store_state == b.store_state == "up", timeout_s=10)
    assert waited < 3  # a probe a second
    assert "answers again" in caplog.text
    # Counted in the store again (the restarted server lost its scripts: reloaded).
    policy = limits(default={"requests_per_minute": 2})
    await a.admit(policy, who(), 1)
    await b.admit(policy, who(), 1)
    with pytest.raises(RateLimited):
        await a.admit(policy, who(), 1)


async def test_a_replica_that_starts_with_the_store_down_says_so(
    replicas: Replicas, redis_server: RedisServer
) -> None:
    redis_server.stop()
    shares = replicas()
    await until(lambda: shares.store_state == "down", timeout_s=2)
    redis_server.start()
    await until(lambda: shares.store_state == "up", timeout_s=10)
    await shares.admit(POLICY, who(), 1)
