"""OpenID metadata and signing keys, cached the way Microsoft's key-rollover guidance asks.

- Metadata and key sets are kept 24 h.
- A token signed with an unknown `kid` triggers an immediate refetch of its key set,
  at most once per 5 minutes per key set (one per tenant and token version), so a
  flood of forged kids cannot hammer the identity provider.
- A failed fetch keeps the last good copy; only with none at all is it an error.
- A refetch that brings a changed document (a key added, rotated or revoked) bumps
  `generation` and tells the listeners (`on_change`): the verified-token cache
  (`gateway.auth.verified`) clears itself then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from gateway.errors import AuthUnavailable

log = logging.getLogger(__name__)

DAY_S = 24 * 3600.0
UNKNOWN_KID_REFRESH_S = 300.0


@dataclass(frozen=True)
class OpenIdMetadata:
    issuer: str
    jwks_uri: str


@dataclass
class _Cached:
    value: Any
    fetched_at: float
    document: Any = None  # as fetched, to tell a changed key set from the same one


class SigningKeys:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        ttl_s: float = DAY_S,
        unknown_kid_refresh_s: float = UNKNOWN_KID_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._ttl_s = ttl_s
        self._unknown_kid_refresh_s = unknown_kid_refresh_s
        self._clock = clock
        self._cache: dict[str, _Cached] = {}
        self._kid_refetched: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._listeners: list[Callable[[], None]] = []
        self.generation = 0

    def on_change(self, listener: Callable[[], None]) -> None:
        """Calls `listener` whenever a refetch brings a document that differs from the
        one held (a key set rotated, a key revoked, new metadata)."""
        self._listeners.append(listener)

    def fresh_until(self, *urls: str) -> float | None:
        """When the first of these documents is due for its refresh (this object's
        clock); None if one is not held."""
        held = [self._cache.get(url) for url in urls]
        if any(cached is None for cached in held):
            return None
        return min(cached.fetched_at + self._ttl_s for cached in held if cached is not None)

    async def metadata(self, url: str) -> OpenIdMetadata:
        document = await self._get(url, _parse_metadata)
        assert isinstance(document, OpenIdMetadata)
        return document

    async def key(self, jwks_uri: str, kid: str) -> Any | None:
        """The public key for `kid`, or None if the key set does not have it."""
        keys: dict[str, Any] = await self._get(jwks_uri, _parse_jwks)
        if kid in keys:
            return keys[kid]
        async with self._lock(jwks_uri):
            last = self._kid_refetched.get(jwks_uri, float("-inf"))
            if self._clock() - last >= self._unknown_kid_refresh_s:
                self._kid_refetched[jwks_uri] = self._clock()
                await self._fetch(jwks_uri, _parse_jwks, self._cache.get(jwks_uri))
        return self._cache[jwks_uri].value.get(kid)

    async def _get(self, url: str, parse: Callable[[Any], Any]) -> Any:
        cached = self._cache.get(url)
        if cached is not None and self._fresh(cached):
            return cached.value
        async with self._lock(url):
            # Another request may have refreshed it while this one waited: one fetch.
            cached = self._cache.get(url)
            if cached is not None and self._fresh(cached):
                return cached.value
            return await self._fetch(url, parse, cached)

    def _lock(self, url: str) -> asyncio.Lock:
        return self._locks.setdefault(url, asyncio.Lock())

    async def _fetch(self, url: str, parse: Callable[[Any], Any], cached: _Cached | None) -> Any:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            document = response.json()
            value = parse(document)
        except (httpx.HTTPError, ValueError, KeyError, TypeError, jwt.PyJWKError) as exc:
            if cached is not None:
                log.warning("refresh of %s failed (%s); keeping the last good copy", url, exc)
                # Retry after the refresh interval again, not on every request.
                cached.fetched_at = self._clock() - self._ttl_s + self._unknown_kid_refresh_s
                return cached.value
            raise AuthUnavailable(
                "cannot fetch the identity provider's signing metadata; try again later"
            ) from exc
        self._cache[url] = _Cached(value, self._clock(), document)
        if cached is not None and cached.document != document:
            self.generation += 1
            for listener in self._listeners:
                listener()
        return value

    def _fresh(self, cached: _Cached) -> bool:
        return self._clock() - cached.fetched_at < self._ttl_s


def _parse_metadata(document: Any) -> OpenIdMetadata:
    return OpenIdMetadata(issuer=str(document["issuer"]), jwks_uri=str(document["jwks_uri"]))


def _parse_jwks(document: Any) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for entry in document["keys"]:
        # Only RSA signing keys are of use; encryption keys and others are skipped.
        if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig" or "kid" not in entry:
            continue
        keys[str(entry["kid"])] = jwt.PyJWK(entry, algorithm="RS256").key
    return keys
