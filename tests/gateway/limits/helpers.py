"""Replicas of the fleet limiter for the store's tests: each `Replica` is what one
gateway builds from its settings, with its upkeep (renewal, probing) running."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from gateway.auth.principal import Principal
from gateway.limits import build_shares
from gateway.limits.fleet import FleetShares
from gateway.policy.model import Limits
from gateway.settings import LimitsSettings

AUTHORITY = "https://login.microsoftonline.com"


def who(oid: str = "u1", tenant: str = "t1", roles: tuple[str, ...] = ()) -> Principal:
    return Principal(
        subject=oid, oid=oid, tid=tenant, app_id="app", is_app=False, roles=frozenset(roles),
        scopes=frozenset(), groups=frozenset(), token_version="2.0",
    )  # fmt: skip


def limits(**data: Any) -> Limits:
    return Limits.model_validate(data)


class Replicas:
    """Builds fleet limiters on one store and stops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._built: list[tuple[FleetShares, asyncio.Task[None] | None]] = []

    def __call__(
        self, *, upkeep: bool = True, redis: dict[str, Any] | None = None, **limits: Any
    ) -> FleetShares:
        settings = LimitsSettings.model_validate(
            {"store": "redis", "redis": {"url": self.url, **(redis or {})}, **limits}
        )
        shares = build_shares(settings, AUTHORITY, None)
        assert isinstance(shares, FleetShares)
        task = asyncio.get_running_loop().create_task(_started(shares)) if upkeep else None
        self._built.append((shares, task))
        return shares

    def kill(self, shares: FleetShares) -> None:
        """What SIGKILL does to the store: no more releases, no more renewals."""
        for built, task in self._built:
            if built is shares and task is not None:
                task.cancel()

    async def close(self) -> None:
        for shares, task in self._built:
            if task is not None:
                task.cancel()
            await shares.aclose()


async def until(condition: Callable[[], bool], timeout_s: float = 10.0) -> float:
    """Seconds until `condition` holds (polled); fails after `timeout_s`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"not within {timeout_s} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _started(shares: FleetShares) -> None:
    """What the app's lifespan does: start, then the upkeep until stopped."""
    await shares.start()
    await shares.run()
