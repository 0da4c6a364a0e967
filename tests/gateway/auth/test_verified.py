"""The verified-token cache: on its own, and in the Entra and dev verifiers (against the
fake tenant over real HTTPS)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.auth import dev, entra
from gateway.auth.config import DevAuthSettings, EntraSettings
from gateway.auth.dev import DevVerifier, load_or_create_key, mint_dev_token
from gateway.auth.entra import EntraVerifier
from gateway.auth.jwks import SigningKeys
from gateway.auth.principal import Principal
from gateway.auth.verified import VerifiedTokens, token_key
from gateway.errors import InvalidToken
from gateway.tls import client_ssl_context
from tests.conftest import API_AUDIENCE, TENANT
from tests.fakes.entra import FakeEntra

PRINCIPAL = Principal("s", "o", "t", None, False, frozenset(), frozenset(), None, "2.0")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Checks:
    """Counts the full verifications (signature and claims) a verifier runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
        self.count = 0
        real = module.verified_claims

        def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
            self.count += 1
            claims: dict[str, Any] = real(*args, **kwargs)
            return claims

        monkeypatch.setattr(module, "verified_claims", counted)


# -- the cache alone ----------------------------------------------------------------


def test_an_entry_lives_until_the_cap() -> None:
    clock = Clock()
    cache = VerifiedTokens(300, clock=clock, wall=lambda: 0.0)
    cache.put(b"k", PRINCIPAL, exp=3600)
    clock.now += 299
    assert cache.get(b"k") == PRINCIPAL
    clock.now += 1
    assert cache.get(b"k") is None


def test_an_entry_lives_no_longer_than_the_token() -> None:
    clock = Clock()
    cache = VerifiedTokens(300, clock=clock, wall=lambda: 10_000.0)
    cache.put(b"k", PRINCIPAL, exp=10_060)  # 60 s left
    clock.now += 59
    assert cache.get(b"k") == PRINCIPAL
    clock.now += 1
    assert cache.get(b"k") is None
    cache.put(b"gone", PRINCIPAL, exp=9_999)  # already expired: never held
    assert cache.get(b"gone") is None


def test_an_entry_lives_no_longer_than_its_keys() -> None:
    clock = Clock()
    cache = VerifiedTokens(300, clock=clock, wall=lambda: 0.0)
    cache.put(b"k", PRINCIPAL, exp=3600, keys_until=clock.now + 10)
    clock.now += 10
    assert cache.get(b"k") is None


def test_size_is_bounded_least_recent_first() -> None:
    cache = VerifiedTokens(300, max_entries=2, wall=lambda: 0.0)
    cache.put(b"a", PRINCIPAL, exp=3600)
    cache.put(b"b", PRINCIPAL, exp=3600)
    assert cache.get(b"a") == PRINCIPAL
    cache.put(b"c", PRINCIPAL, exp=3600)
    assert (cache.get(b"a"), cache.get(b"b"), cache.get(b"c")) == (PRINCIPAL, None, PRINCIPAL)


def test_zero_disables_it() -> None:
    cache = VerifiedTokens(0)
    cache.put(b"k", PRINCIPAL, exp=time.time() + 3600)
    assert cache.get(b"k") is None
    assert len(cache) == 0


def test_keys_are_hashes_of_the_whole_token() -> None:
    assert token_key("a.b.c") != token_key("a.b.d")
    assert len(token_key("a.b.c")) == 32


# -- in the Entra verifier ----------------------------------------------------------


@pytest.fixture(autouse=True)
def _entra_up(fake_entra: FakeEntra) -> None:
    fake_entra.down = False


@pytest.fixture
async def http(fake_entra: FakeEntra) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=client_ssl_context(fake_entra.ca_file)) as client:
        yield client


def cached_verifier(
    fake_entra: FakeEntra, http: httpx.AsyncClient, clock: Clock, keys_ttl_s: float = 86400
) -> EntraVerifier:
    settings = EntraSettings(tenant_id=TENANT, audiences=[API_AUDIENCE], authority=fake_entra.base)
    keys = SigningKeys(http, clock=clock, ttl_s=keys_ttl_s)
    return EntraVerifier(settings, keys, VerifiedTokens(300, clock=clock))


async def test_a_verified_token_is_not_checked_again(
    fake_entra: FakeEntra, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Checks(monkeypatch, entra)
    verifier = cached_verifier(fake_entra, http, Clock())
    token = fake_entra.token(TENANT, API_AUDIENCE)
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert checks.count == 1


async def test_a_token_is_checked_again_after_the_cap(
    fake_entra: FakeEntra, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Checks(monkeypatch, entra)
    clock = Clock()
    verifier = cached_verifier(fake_entra, http, clock)
    token = fake_entra.token(TENANT, API_AUDIENCE)
    await verifier.verify(token)
    clock.now += 301
    await verifier.verify(token)
    assert checks.count == 2


async def test_an_entry_ends_at_the_tokens_exp(
    fake_entra: FakeEntra, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Checks(monkeypatch, entra)
    clock = Clock()
    verifier = cached_verifier(fake_entra, http, clock)
    token = fake_entra.token(TENANT, API_AUDIENCE, exp=int(time.time()) + 30)
    await verifier.verify(token)
    clock.now += 31  # before the cap, after exp: verified afresh (leeway then decides)
    await verifier.verify(token)
    assert checks.count == 2


async def test_another_token_with_the_same_claims_is_checked_on_its_own(
    fake_entra: FakeEntra, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Checks(monkeypatch, entra)
    verifier = cached_verifier(fake_entra, http, Clock())
    claims = {"oid": "same-oid", "iat": 1, "exp": int(time.time()) + 600}
    first = fake_entra.token(TENANT, API_AUDIENCE, **claims)
    # The same claims and key, another header: other bytes, so another entry.
    second = fake_entra.token(TENANT, API_AUDIENCE, headers={"typ": "at+jwt"}, **claims)
    assert first != second
    await verifier.verify(first)
    await verifier.verify(second)
    assert checks.count == 2


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["Hybridgate.Admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_a_tampered_token_never_hits(fake_entra: FakeEntra, http: httpx.AsyncClient) -> None:
    verifier = cached_verifier(fake_entra, http, Clock())
    token = fake_entra.token(TENANT, API_AUDIENCE)
    await verifier.verify(token)
    for forged in (_tampered(token), token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        with pytest.raises(InvalidToken):
            await verifier.verify(forged)


async def test_a_changed_key_set_clears_the_cache(
    fake_entra: FakeEntra, http: httpx.AsyncClient
) -> None:
    verifier = cached_verifier(fake_entra, http, Clock())
    old = fake_entra.token(TENANT, API_AUDIENCE)
    await verifier.verify(old)
    fake_entra.rotate(TENANT)  # the old key is revoked
    # A token under the new key makes the verifier refetch the key set, which changed.
    await verifier.verify(fake_entra.token(TENANT, API_AUDIENCE))
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(old)


async def test_a_revoked_key_stops_matching_at_the_key_refresh(
    fake_entra: FakeEntra, http: httpx.AsyncClient
) -> None:
    clock = Clock()
    # Keys refreshed every 100 s: sooner than the cache's own cap of 300 s.
    verifier = cached_verifier(fake_entra, http, clock, keys_ttl_s=100)
    old = fake_entra.token(TENANT, API_AUDIENCE)
    await verifier.verify(old)
    fake_entra.rotate(TENANT)
    clock.now += 99
    await verifier.verify(old)  # the key set is still the one it was checked with
    clock.now += 1  # due for refresh: it would be refetched without a cache, too
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(old)


async def test_the_same_key_set_refetched_keeps_the_cache(
    fake_entra: FakeEntra, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Checks(monkeypatch, entra)
    clock = Clock()
    keys = SigningKeys(http, clock=clock)
    settings = EntraSettings(tenant_id=TENANT, audiences=[API_AUDIENCE], authority=fake_entra.base)
    verifier = EntraVerifier(settings, keys, VerifiedTokens(300, clock=clock))
    token = fake_entra.token(TENANT, API_AUDIENCE)
    await verifier.verify(token)
    stranger = fake_entra.token(TENANT, API_AUDIENCE, kid="unknown-kid")
    with pytest.raises(InvalidToken):
        await verifier.verify(stranger)  # refetches an unchanged key set
    assert keys.generation == 0
    await verifier.verify(token)
    assert checks.count == 1  # the refused token never reached the full check


# -- in the dev verifier ------------------------------------------------------------


async def test_dev_tokens_are_cached_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = Checks(monkeypatch, dev)
    key = load_or_create_key(tmp_path)
    settings = DevAuthSettings()
    verifier = DevVerifier(settings, key, 60, VerifiedTokens(300))
    token = mint_dev_token(key, settings, user="u", roles=[], scopes=["s"], ttl_s=600)
    assert await verifier.verify(token) == await verifier.verify(token)
    assert checks.count == 1
    with pytest.raises(InvalidToken):
        await verifier.verify(_tampered(token))
