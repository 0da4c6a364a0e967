"""Entra token validation against the fake tenant over real HTTPS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth.config import EntraSettings
from gateway.auth.entra import EntraVerifier
from gateway.auth.jwks import SigningKeys
from gateway.auth.principal import Principal
from gateway.errors import AuthUnavailable, InvalidToken
from gateway.tls import client_ssl_context
from tests.conftest import API_AUDIENCE, OTHER_TENANT, TENANT
from tests.fakes.entra import FakeEntra


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def http(fake_entra: FakeEntra) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=client_ssl_context(fake_entra.ca_file)) as client:
        yield client


@pytest.fixture
def verifier(fake_entra: FakeEntra, http: httpx.AsyncClient, clock: Clock) -> EntraVerifier:
    settings = EntraSettings(
        tenant_id=TENANT, audiences=[API_AUDIENCE, "client-id-1"], authority=fake_entra.base
    )
    return EntraVerifier(settings, SigningKeys(http, clock=clock))


@pytest.fixture(autouse=True)
def _entra_up(fake_entra: FakeEntra) -> None:
    fake_entra.down = False


async def refused(verifier: EntraVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(token)
    assert caught.value.status_code == 401
    assert token not in caught.value.message
    return caught.value.message


async def test_valid_v2_token(fake_entra: FakeEntra, verifier: EntraVerifier) -> None:
    principal = await verifier.verify(
        fake_entra.token(TENANT, API_AUDIENCE, roles=["Hybridgate.Admin"], groups=["g1"])
    )
    assert isinstance(principal, Principal)
    assert (principal.tid, principal.app_id, principal.token_version) == (
        TENANT,
        "client-app-1",
        "2.0",
    )
    assert principal.scopes == {"access_as_user"}
    assert principal.roles == {"Hybridgate.Admin"}
    assert principal.groups == {"g1"}
    assert not principal.is_app


async def test_valid_v1_token(fake_entra: FakeEntra, verifier: EntraVerifier) -> None:
    principal = await verifier.verify(fake_entra.token(TENANT, "client-id-1", version="1.0"))
    assert principal.token_version == "1.0"
    assert principal.app_id == "client-app-1"  # from appid in v1


def _hs256_with_public_key(claims: dict[str, Any], public_pem: bytes, kid: str) -> str:
    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(public_pem, header + b"." + payload, hashlib.sha256).digest()
    return (header + b"." + payload + b"." + b64(signature)).decode()


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["oid"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


NOW = int(time.time())

BAD_TOKENS: list[tuple[str, Callable[[FakeEntra], str], str]] = [
    (
        "expired",
        lambda e: e.token(TENANT, API_AUDIENCE, exp=NOW - 3600, nbf=NOW - 7200),
        "expired",
    ),
    (
        "not yet valid",
        lambda e: e.token(TENANT, API_AUDIENCE, nbf=NOW + 3600, exp=NOW + 7200),
        "not valid yet",
    ),
    ("wrong audience", lambda e: e.token(TENANT, "api://someone-else"), "another audience"),
    (
        "wrong issuer",
        lambda e: e.token(TENANT, API_AUDIENCE, iss=f"{e.base}/{OTHER_TENANT}/v2.0"),
        "wrong issuer",
    ),
    ("tenant not allowed", lambda e: e.token(OTHER_TENANT, API_AUDIENCE), "tenant is not allowed"),
    (
        "alg none",
        lambda e: jwt.encode(
            {"tid": TENANT, "aud": API_AUDIENCE}, None, algorithm="none", headers={"kid": "x"}
        ),
        "'none' is not accepted",
    ),
    (
        "HS256 with the public key",
        lambda e: _hs256_with_public_key(
            {"tid": TENANT, "aud": API_AUDIENCE, "iss": e.issuer(TENANT, "2.0"), "exp": NOW + 60},
            e.public_keys(TENANT)[e.current_kid(TENANT)].public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            e.current_kid(TENANT),
        ),
        "'HS256' is not accepted",
    ),
    ("tampered payload", lambda e: _tamper(e.token(TENANT, API_AUDIENCE)), "does not verify"),
    ("missing exp", lambda e: e.token(TENANT, API_AUDIENCE, exp=None), "lacks the exp claim"),
    ("no tenant", lambda e: e.token(TENANT, API_AUDIENCE, tid=None), "no tenant"),
    ("garbage", lambda e: "not-a-jwt", "not a well-formed JWT"),
]


@pytest.mark.parametrize(
    ("make", "reason"), [(m, r) for _, m, r in BAD_TOKENS], ids=[n for n, _, _ in BAD_TOKENS]
)
async def test_bad_tokens_are_refused_with_the_reason(
    fake_entra: FakeEntra,
    verifier: EntraVerifier,
    make: Callable[[FakeEntra], str],
    reason: str,
) -> None:
    assert reason in await refused(verifier, make(fake_entra))


async def test_unknown_kid_refetches_once_then_stays_refused(
    fake_entra: FakeEntra, verifier: EntraVerifier, clock: Clock
) -> None:
    await verifier.verify(fake_entra.token(TENANT, API_AUDIENCE))
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = fake_entra.token(TENANT, API_AUDIENCE, key=stranger, kid="unknown-kid")
    before = fake_entra.hits["jwks"]
    assert "unknown signing key" in await refused(verifier, forged)
    assert fake_entra.hits["jwks"] == before + 1  # refetched at once
    clock.now += 60
    assert "unknown signing key" in await refused(verifier, forged)
    assert fake_entra.hits["jwks"] == before + 1  # not again within 5 minutes
    clock.now += 300
    assert "unknown signing key" in await refused(verifier, forged)
    assert fake_entra.hits["jwks"] == before + 2


async def test_rotated_key_is_accepted_after_refetch(
    fake_entra: FakeEntra, verifier: EntraVerifier
) -> None:
    await verifier.verify(fake_entra.token(TENANT, API_AUDIENCE))
    before = fake_entra.hits["jwks"]
    fake_entra.rotate(TENANT)
    principal = await verifier.verify(fake_entra.token(TENANT, API_AUDIENCE))
    assert principal.tid == TENANT
    assert fake_entra.hits["jwks"] == before + 1


async def test_keys_are_cached_for_a_day(
    fake_entra: FakeEntra, verifier: EntraVerifier, clock: Clock
) -> None:
    token = fake_entra.token(TENANT, API_AUDIENCE)
    await verifier.verify(token)
    before = dict(fake_entra.hits)
    for _ in range(5):
        await verifier.verify(token)
    clock.now += 23 * 3600
    await verifier.verify(token)
    assert dict(fake_entra.hits) == before
    clock.now += 2 * 3600
    await verifier.verify(token)
    assert fake_entra.hits["jwks"] == before["jwks"] + 1
    assert fake_entra.hits["metadata"] == before["metadata"] + 1


async def test_last_good_keys_survive_an_outage(
    fake_entra: FakeEntra, verifier: EntraVerifier, clock: Clock
) -> None:
    token = fake_entra.token(TENANT, API_AUDIENCE)
    await verifier.verify(token)
    fake_entra.down = True
    clock.now += 25 * 3600  # everything is stale and every refresh fails
    principal = await verifier.verify(token)
    assert principal.tid == TENANT


async def test_outage_with_nothing_cached_is_503(
    fake_entra: FakeEntra, verifier: EntraVerifier
) -> None:
    fake_entra.down = True
    with pytest.raises(AuthUnavailable) as caught:
        await verifier.verify(fake_entra.token(TENANT, API_AUDIENCE))
    assert caught.value.status_code == 503


async def test_concurrent_first_requests_share_one_fetch(
    fake_entra: FakeEntra, verifier: EntraVerifier
) -> None:
    import asyncio

    before = dict(fake_entra.hits)
    token = fake_entra.token(TENANT, API_AUDIENCE)
    await asyncio.gather(*(verifier.verify(token) for _ in range(10)))
    assert fake_entra.hits["jwks"] == before.get("jwks", 0) + 1
    assert fake_entra.hits["metadata"] == before.get("metadata", 0) + 1


async def test_multi_tenant_accepts_each_listed_tenant(
    fake_entra: FakeEntra, http: httpx.AsyncClient
) -> None:
    settings = EntraSettings(
        allowed_tenants=[TENANT, OTHER_TENANT], audiences=[API_AUDIENCE], authority=fake_entra.base
    )
    verifier = EntraVerifier(settings, SigningKeys(http))
    for tenant in (TENANT, OTHER_TENANT):
        assert (await verifier.verify(fake_entra.token(tenant, API_AUDIENCE))).tid == tenant
    # A token minted for one tenant but claiming the other's issuer is refused.
    spoof = fake_entra.token(OTHER_TENANT, API_AUDIENCE, iss=fake_entra.issuer(TENANT, "2.0"))
    assert "wrong issuer" in await refused(verifier, spoof)
