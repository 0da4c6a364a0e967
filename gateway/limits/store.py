"""The shared limit store: the scripts of `gateway.limits.scripts` run on Redis, one
round trip per check, and their replies read back. Knows the key layout; decides
nothing (`gateway.limits.fleet` does).

Keys, under the configured prefix and one hash tag, name principals by `hashed_key`
only: `{limits}:q:<hash>` its buckets, `{limits}:c:<hash>` its concurrency leases,
`{limits}:e:<hash>` its places on the edge, `{limits}:edge` every place on the edge.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from gateway.errors import AuthUnavailable
from gateway.limits import scripts
from gateway.policy.model import Quota

# What "the store did not answer" is: the network, the server, its auth, a token the
# gateway could not get, the call's time running out (TimeoutError is an OSError). A
# script's own error is a RedisError too, and counts the same: the request cannot be
# counted either way.
UNAVAILABLE = (RedisError, OSError, AuthUnavailable)
TAG = "{limits}"


class StoreUnavailable(Exception):
    """The store could not be asked; the cause is chained."""


@dataclass(frozen=True)
class Answer:
    """A quota script's reply: `reason` is empty when the principal passed."""

    reason: str
    wait_s: float
    requests: float  # left in the buckets, after what this call took
    tokens: float
    chars: float
    held: int  # concurrency leases held, this one included


@dataclass(frozen=True)
class Edge:
    """The edge's cap and the principal's share of it, when a place is asked for."""

    cap: int
    share: int


@dataclass(frozen=True)
class Release:
    """One lease to give back, and the correction of its principal's token bucket."""

    principal: str  # hashed
    lease_id: str
    tokens_per_minute: int
    token_correction: int


class _Script:
    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()


SCRIPTS = {
    name: _Script(getattr(scripts, name))
    for name in ("PRECHECK", "CHARGE", "DEBIT", "ADMIT", "EDGE", "RELEASE", "RENEW")
}


class RedisStore:
    def __init__(self, client: Redis, prefix: str, lease_s: float, timeout_s: float) -> None:
        """`timeout_s` bounds each call, round trip, retry and script loading together."""
        self.client = client
        self._prefix = f"{prefix}{TAG}:"
        self._lease_ms = round(lease_s * 1000)
        self._timeout_s = timeout_s

    def keys(self, principal: str) -> list[str]:
        """The principal's buckets, leases and edge places, and the edge's places."""
        p = self._prefix
        return [f"{p}q:{principal}", f"{p}c:{principal}", f"{p}edge", f"{p}e:{principal}"]

    async def precheck(self, principal: str, quota: Quota) -> Answer:
        return await self._quota("PRECHECK", principal, quota, 0, "", None)

    async def charge(self, principal: str, quota: Quota, chars: int) -> Answer:
        return await self._quota("CHARGE", principal, quota, chars, "", None)

    async def debit(self, principal: str, quota: Quota, chars: int) -> Answer:
        return await self._quota("DEBIT", principal, quota, chars, "", None)

    async def admit(
        self, principal: str, quota: Quota, tokens: int, lease_id: str, edge: Edge | None
    ) -> Answer:
        return await self._quota("ADMIT", principal, quota, tokens, lease_id, edge)

    async def admit_edge(self, principal: str, lease_id: str, edge: Edge) -> Answer:
        return await self._quota("EDGE", principal, Quota(), 0, lease_id, edge)

    async def release(self, releases: Sequence[Release]) -> None:
        """Gives any number of leases back in one round trip."""
        keys = [f"{self._prefix}edge"]
        args: list[str | int] = []
        for r in releases:
            principal = self.keys(r.principal)
            keys += [principal[0], principal[1], principal[3]]
            args += [r.lease_id, r.tokens_per_minute, r.token_correction]
        await self._call("RELEASE", keys, args)

    async def renew(self, leases: Sequence[tuple[str, str]]) -> None:
        """Pushes out the expiry of running requests' leases ((principal, lease id)),
        in one round trip whatever their number."""
        if not leases:
            return
        keys, args = [f"{self._prefix}edge"], [str(self._lease_ms)]
        for principal, lease_id in leases:
            own = self.keys(principal)
            keys += [own[1], own[3]]
            args.append(lease_id)
        await self._call("RENEW", keys, args)

    async def ping(self) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self.client.ping()
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        await self.client.aclose(close_connection_pool=True)

    async def _quota(
        self,
        script: str,
        principal: str,
        quota: Quota,
        amount: int,
        lease_id: str,
        edge: Edge | None,
    ) -> Answer:
        args = (
            quota.requests_per_minute or 0,
            quota.tokens_per_minute or 0,
            quota.classified_chars_per_minute or 0,
            quota.concurrent or 0,
            amount,
            lease_id,
            self._lease_ms,
            edge.cap if edge else 0,
            edge.share if edge else 0,
        )
        reply = await self._call(script, self.keys(principal), args)
        reason, wait_ms, requests, tokens, chars, held = reply
        return Answer(
            _text(reason), wait_ms / 1000, requests / 1000, tokens / 1000, chars / 1000, held
        )

    async def _call(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        script = SCRIPTS[name]
        try:
            async with asyncio.timeout(self._timeout_s):
                try:
                    return await self.client.evalsha(script.sha, len(keys), *keys, *args)
                except NoScriptError:
                    # A restarted or failed-over server has no scripts: load, again.
                    await self.client.script_load(script.source)
                    return await self.client.evalsha(script.sha, len(keys), *keys, *args)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
