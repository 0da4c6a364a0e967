"""Entra sign-in to the store: the identity's object id as the Redis user and its token
as the password, renewed before it expires, with the open connections signed in again.
The token function is injected; the server is a real redis-server whose ACL user has
the tokens as passwords (as Azure's access policy assignment does)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis

from gateway.errors import LimitsUnavailable
from gateway.limits.connect import redis_client
from gateway.limits.entra import EntraCredentialProvider
from gateway.limits.fleet import FleetShares
from gateway.limits.store import RedisStore
from gateway.settings import RedisSettings
from tests.gateway.limits.conftest import RedisServer
from tests.gateway.limits.helpers import limits, until, who

OBJECT_ID = "6c3f2a47-0b1d-4a8e-9f3b-5d2c1e0a9b77"
POLICY = limits(default={"requests_per_minute": 100})


class Tokens:
    """Stands in for MSAL: numbered tokens that live `lifetime_s`."""

    def __init__(self, lifetime_s: float) -> None:
        self.issued: list[str] = []
        self._numbers = itertools.count(1)
        self._lifetime_s = lifetime_s

    def __call__(self) -> dict[str, Any]:
        token = f"token-{next(self._numbers)}"
        self.issued.append(token)
        return {"access_token": token, "expires_in": self._lifetime_s}


def entra_server(server: RedisServer) -> redis.Redis:
    """The object id may sign in with the tokens Tokens issues; the default user is off. Returns an
    admin client."""
    setup = server.client()
    setup.acl_setuser("admin", enabled=True, passwords=["+admin"], keys=["*"], commands=["+@all"])
    setup.acl_setuser(
        OBJECT_ID,
        enabled=True,
        passwords=[f"+token-{n}" for n in range(1, 100)],
        keys=["*"],
        commands=["+@all"],
    )
    setup.acl_setuser("default", enabled=False)
    return server.client(username="admin", password="admin")


Build = Callable[[Callable[[], dict[str, Any]]], Awaitable[FleetShares]]


@pytest.fixture
async def fleet_with(redis_server: RedisServer) -> AsyncIterator[Build]:
    built: list[tuple[FleetShares, asyncio.Task[None]]] = []

    async def build(acquire: Callable[[], dict[str, Any]]) -> FleetShares:
        provider = EntraCredentialProvider(acquire, OBJECT_ID, margin_s=300)
        settings = RedisSettings(url=redis_server.url, auth="entra", entra={"object_id": OBJECT_ID})
        store = RedisStore(redis_client(settings, provider, None), "hybridgate:limits:", 30, 0.25)
        shares = FleetShares(store, "closed", 1, 30, [provider.run], provider.get_credentials_async)
        await shares.start()  # as the app's lifespan does: the first token, then a probe
        built.append((shares, asyncio.get_running_loop().create_task(shares.run())))
        return shares

    yield build
    for shares, task in built:
        task.cancel()
        await shares.aclose()


def auth_calls(admin: redis.Redis) -> int:
    stats: dict[str, Any] = admin.info("commandstats")
    return int(stats.get("cmdstat_auth", {}).get("calls", 0))


async def test_the_token_is_renewed_before_it_expires_and_connections_sign_in_again(
    redis_server: RedisServer, fleet_with: Build
) -> None:
    admin = entra_server(redis_server)
    tokens = Tokens(lifetime_s=2.0)  # renewed at half its life, well before it expires
    shares = await fleet_with(tokens)
    await shares.admit(POLICY, who(), 1)
    clients = [c for c in admin.client_list() if c["name"] == "hybridgate"]
    assert clients
    assert {c["user"] for c in clients} == {OBJECT_ID}
    signed_in = auth_calls(admin)
    await until(lambda: len(tokens.issued) >= 2, timeout_s=5)
    # The open connection got the new token (AUTH), without being dropped.
    await until(lambda: auth_calls(admin) > signed_in, timeout_s=5)
    still_open = {c["id"] for c in admin.client_list() if c["name"] == "hybridgate"}
    assert {c["id"] for c in clients} <= still_open
    # The first token is revoked and every connection closed: new ones use the current.
    admin.acl_setuser(OBJECT_ID, enabled=True, passwords=["-token-1"])
    admin.client_kill_filter(_type="normal", skipme=True)
    await shares.admit(POLICY, who(), 1)
    assert shares.store_state == "up"


async def test_no_token_means_no_store(redis_server: RedisServer, fleet_with: Build) -> None:
    entra_server(redis_server)
    shares = await fleet_with(lambda: {"error": "invalid_client", "error_description": "secret"})
    with pytest.raises(LimitsUnavailable):
        await shares.admit(POLICY, who(), 1)
    assert shares.store_state == "down"
