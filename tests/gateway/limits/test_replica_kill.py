"""A replica SIGKILLed while it holds a principal's concurrency leases: two real
`hybridgate serve` processes on one real Redis, behind them an upstream that keeps
requests in flight. The dead replica cannot give its leases back; they expire within
`limits.lease_s` (it renewed them while alive), and the principal has its full
concurrency again on the surviving replica, which was never restarted."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEFAULT_POLICY
from tests.fakes.upstream import FaultyUpstream, faulty_upstream
from tests.gateway.limits.conftest import RedisServer
from tests.processes import Service, dev_token, start_gateway

LEASE_S = 5
CONCURRENT = 2
PATIENCE_S = 60.0
BODY = {"model": "auto", "messages": [{"role": "user", "content": "Say hello."}]}


@pytest.fixture
def upstream() -> Iterator[FaultyUpstream]:
    with faulty_upstream(delay_s=120.0) as server:
        yield server


def live_leases(redis_server: RedisServer) -> int:
    """Concurrency leases not yet expired, over every principal."""
    client = redis_server.client()
    now_ms = client.time()
    now = now_ms[0] * 1000 + now_ms[1] // 1000
    keys = client.keys("hybridgate:limits:{limits}:c:*")
    return sum(int(client.zcount(key, now, "+inf")) for key in keys)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)


def test_a_killed_replicas_leases_expire_and_the_principal_gets_its_concurrency_back(
    redis_server: RedisServer, upstream: FaultyUpstream, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        f"classifiers_from: {DEFAULT_POLICY}\nlimits: {{default: {{concurrent: {CONCURRENT}}}}}\n"
    )
    env = {
        "HYBRIDGATE_POLICY__FILE": str(policy),
        "HYBRIDGATE_BACKENDS__CLOUD__URL": upstream.url,
        "HYBRIDGATE_LIMITS__STORE": "redis",
        "HYBRIDGATE_LIMITS__REDIS__URL": redis_server.url,
        "HYBRIDGATE_LIMITS__REPLICAS": "2",
        "HYBRIDGATE_LIMITS__LEASE_S": str(LEASE_S),
    }
    replicas: list[Service] = []
    for name in ("doomed", "survivor"):
        env["HYBRIDGATE_AUDIT__PATH"] = str(tmp_path / f"audit-{name}" / "audit.jsonl")
        env["HYBRIDGATE_SERVER__REPLICA_ID"] = name
        logs = tmp_path / f"logs-{name}"
        logs.mkdir()
        replicas.append(start_gateway(logs, upstream.url, tmp_path, **env))
    doomed, survivor = replicas
    headers = {"Authorization": f"Bearer {dev_token(tmp_path)}"}
    upstream.mode = "slow_first_byte"  # answers only after the test is over

    def hold(service: Service) -> threading.Thread:
        def send() -> None:
            # The doomed replica dies under it; the test's end stops the rest.
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(
                    f"{service.url}/v1/chat/completions",
                    json=BODY,
                    headers=headers,
                    timeout=PATIENCE_S,
                )

        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        return thread

    try:
        for _ in range(CONCURRENT):
            hold(doomed)
        wait_for(lambda: live_leases(redis_server) == CONCURRENT, "both places taken")
        doomed.process.kill()
        doomed.process.wait(10)
        # The places are still taken, by a replica that is gone: refused at once.
        refused = httpx.post(
            f"{survivor.url}/v1/chat/completions", json=BODY, headers=headers, timeout=10
        )
        assert refused.status_code == 429, refused.text
        assert "at once" in refused.json()["error"]["message"]
        # Nobody renews them: they expire, and the survivor gives both places again.
        wait_for(lambda: live_leases(redis_server) == 0, "the dead replica's leases expire")
        for _ in range(CONCURRENT):
            hold(survivor)
        wait_for(lambda: live_leases(redis_server) == CONCURRENT, "both places taken again")
        third = httpx.post(
            f"{survivor.url}/v1/chat/completions", json=BODY, headers=headers, timeout=10
        )
        assert third.status_code == 429
    finally:
        for service in replicas:
            service.stop()
