"""Three gateway replicas sharing one real Redis, each an app with fake backends, as
three `hybridgate serve` behind a round-robin load balancer: a principal's quota holds
across them, other principals are served, and a store that goes away is an explicit,
audited 503 (closed mode), visible on /readyz and /metrics."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.gateway.limits.conftest import RedisServer
from tests.processes import dev_token

BODY = {"model": "auto", "messages": [{"role": "user", "content": "Say hello."}]}
RPM = 30
SLOW_S = 1.5


def slow(delay_s: float) -> httpx.MockTransport:
    """A backend that takes `delay_s` to answer, without holding up its event loop."""
    inner = RecordingBackend().transport()

    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(delay_s)
        await request.aread()
        return await inner.handle_async_request(request)

    return httpx.MockTransport(answer)


class Fleet:
    def __init__(self, clients: list[TestClient], state: Path) -> None:
        self.clients = clients
        self.state = state

    def headers(self, user: str, **claims: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {dev_token(self.state, user=user, **claims)}"}

    def events(self, replica: int) -> list[dict[str, object]]:
        return list(iter_events(discover(self.state / f"audit-{replica}" / "audit.jsonl")))


@pytest.fixture
def fleet(
    redis_server: RedisServer,
    classifiers: Classifiers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Fleet]:
    limits = getattr(request, "param", f"{{requests_per_minute: {RPM}}}")
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"classifiers_from: {DEFAULT_POLICY}\nlimits: {{default: {limits}}}\n")
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(policy))
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HYBRIDGATE_LIMITS__STORE", "redis")
    monkeypatch.setenv("HYBRIDGATE_LIMITS__REDIS__URL", redis_server.url)
    monkeypatch.setenv("HYBRIDGATE_LIMITS__REPLICAS", "3")
    clients = []
    for replica in range(3):
        # One state dir (the dev issuer's key), an audit log per replica.
        monkeypatch.setenv("HYBRIDGATE_AUDIT__PATH", str(tmp_path / f"audit-{replica}/audit.jsonl"))
        delay = SLOW_S if "concurrent" in limits else 0.0
        transports = {"edge": slow(delay), "cloud": slow(delay)}
        app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
        clients.append(TestClient(app).__enter__())
    yield Fleet(clients, tmp_path)
    for client in clients:
        client.__exit__(None, None, None)


def test_a_principal_gets_its_quota_once_across_three_replicas(fleet: Fleet) -> None:
    user, other = fleet.headers("round-robin"), fleet.headers("someone-else")
    for client in fleet.clients:
        ready = client.get("/readyz").json()
        assert ready["limits_store"] == "up"
    started = time.monotonic()
    statuses = []
    refusals = []
    for i in range(90):
        response = fleet.clients[i % 3].post("/v1/chat/completions", json=BODY, headers=user)
        statuses.append(response.status_code)
        if response.status_code == 429:
            refusals.append(response)
    elapsed = time.monotonic() - started
    answered = statuses.count(200)
    # Exactly the quota, but for what a minute's refill adds while the test runs.
    assert RPM <= answered <= RPM + math.floor(elapsed * RPM / 60), (answered, elapsed)
    assert statuses.count(429) == 90 - answered
    for refused in refusals:
        assert refused.json()["error"]["code"] == "rate_limit_exceeded"
        assert refused.headers["x-ratelimit-limit-requests"] == str(RPM)
        assert refused.headers["x-ratelimit-remaining-requests"] == "0"
        assert refused.headers["x-ratelimit-reset-requests"].endswith("s")
        assert int(refused.headers["retry-after"]) >= 1
    for client in fleet.clients:
        response = client.post("/v1/chat/completions", json=BODY, headers=other)
        assert response.status_code == 200, response.text
    admin = fleet.headers("ops", roles=["Hybridgate.Admin"])
    metrics = fleet.clients[0].get("/metrics", headers=admin).text
    assert "hybridgate_limits_store_up 1.0" in metrics


def test_a_store_that_goes_away_is_an_audited_503_in_closed_mode(
    fleet: Fleet, redis_server: RedisServer
) -> None:
    user = fleet.headers("tester")
    assert fleet.clients[1].post("/v1/chat/completions", json=BODY, headers=user).status_code == 200
    redis_server.stop()
    started = time.monotonic()
    refused = fleet.clients[1].post("/v1/chat/completions", json=BODY, headers=user)
    assert time.monotonic() - started < 1.0
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "limits_unavailable"
    assert refused.headers["retry-after"] == "1"
    ready = fleet.clients[1].get("/readyz")
    # Still ready: every replica shares the store, and each request's 503 says why.
    assert ready.status_code == 200
    assert ready.json()["limits_store"] == "down"
    admin = fleet.headers("ops", roles=["Hybridgate.Admin"])
    assert "hybridgate_limits_store_up 0.0" in fleet.clients[1].get("/metrics", headers=admin).text
    fleet.clients[1].__exit__(None, None, None)
    codes = [e.get("error_code") for e in fleet.events(1)]
    assert codes.count("limits_unavailable") == 1


@pytest.mark.parametrize("fleet", ["{concurrent: 2}"], indirect=True)
def test_concurrency_holds_across_replicas_with_slow_requests_in_flight(fleet: Fleet) -> None:
    user = fleet.headers("streamer")
    barrier = threading.Barrier(6)

    def one(i: int) -> int:
        barrier.wait()
        body = {**BODY, "stream": True}
        return (
            fleet.clients[i % 3].post("/v1/chat/completions", json=body, headers=user).status_code
        )

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(one, range(6)))
    assert sorted(statuses) == [200, 200, 429, 429, 429, 429]
    # Their leases were given back when the streams ended.
    time.sleep(0.2)
    assert fleet.clients[0].post("/v1/chat/completions", json=BODY, headers=user).status_code == 200
