"""MSAL credentials against the fake Entra tenant: tokens are obtained, cached, shared
between concurrent requests, and failures become a 503 without secrets."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import jwt
import pytest
import trustme

from gateway.auth.authenticator import Caller
from gateway.auth.config import OutboundAuthSettings
from gateway.auth.outbound import AppTokenCredential, build_outbound_credential
from gateway.auth.principal import principal_from_claims
from gateway.errors import AuthUnavailable
from tests.conftest import API_AUDIENCE, TENANT
from tests.fakes.entra import APP_ROLE, FakeEntra

CLOUD_AUDIENCE = "api://hybridgate-cloud"


def decode(fake: FakeEntra, authorization: str | None) -> dict[str, Any]:
    """What the cloud leg would do: verify the token's signature and audience."""
    assert authorization is not None
    scheme, token = authorization.split(" ", 1)
    assert scheme == "Bearer"
    kid = jwt.get_unverified_header(token)["kid"]
    key = fake.public_keys(TENANT)[kid]
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=CLOUD_AUDIENCE)
    return claims


def settings(fake: FakeEntra, **values: Any) -> OutboundAuthSettings:
    base: dict[str, Any] = {
        "tenant_id": TENANT,
        "client_id": "gateway-app",
        "scopes": [f"{CLOUD_AUDIENCE}/.default"],
        "authority": fake.base,
    }
    return OutboundAuthSettings.model_validate(base | values)


@pytest.fixture
def secret_env(fake_entra: FakeEntra, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HG_TEST_CLIENT_SECRET", fake_entra.client_secret)
    return "HG_TEST_CLIENT_SECRET"


async def test_client_credentials_with_a_secret(fake_entra: FakeEntra, secret_env: str) -> None:
    credential = build_outbound_credential(
        settings(fake_entra, kind="client_credentials", client_secret_env=secret_env),
        "cloud",
        fake_entra.base,
        fake_entra.ca_file,
    )
    claims = decode(fake_entra, await credential.authorization(None))
    assert claims["roles"] == [APP_ROLE]
    assert claims["idtyp"] == "app"


async def test_client_credentials_token_is_cached_and_fetched_once(
    fake_entra: FakeEntra, secret_env: str
) -> None:
    credential = build_outbound_credential(
        settings(fake_entra, kind="client_credentials", client_secret_env=secret_env),
        "cloud",
        fake_entra.base,
        fake_entra.ca_file,
    )
    before = fake_entra.hits["token"]
    headers = await asyncio.gather(*(credential.authorization(None) for _ in range(8)))
    assert len(set(headers)) == 1
    await credential.authorization(None)
    assert fake_entra.hits["token"] == before + 1


async def test_client_credentials_with_a_certificate(fake_entra: FakeEntra, tmp_path: Path) -> None:
    pem = tmp_path / "gateway-cert.pem"
    cert = fake_entra.ca.issue_cert("gateway-app.example", key_type=trustme.KeyType.RSA)
    cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    credential = build_outbound_credential(
        settings(fake_entra, kind="client_credentials", certificate_file=pem),
        "cloud",
        fake_entra.base,
        fake_entra.ca_file,
    )
    assert decode(fake_entra, await credential.authorization(None))["aud"] == CLOUD_AUDIENCE


async def test_a_wrong_secret_is_a_503_that_hides_the_secret(
    fake_entra: FakeEntra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HG_TEST_BAD_SECRET", "s3cr3t-value")
    credential = build_outbound_credential(
        settings(fake_entra, kind="client_credentials", client_secret_env="HG_TEST_BAD_SECRET"),
        "cloud",
        fake_entra.base,
        fake_entra.ca_file,
    )
    with pytest.raises(AuthUnavailable) as caught:
        await credential.authorization(None)
    assert caught.value.status_code == 503
    assert "invalid_client" in caught.value.message
    assert "s3cr3t-value" not in caught.value.message


async def test_managed_identity_app_service_style(
    fake_entra: FakeEntra, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The variables App Service (and MSAL's reader of them) use to find the endpoint.
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{fake_entra.base}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", fake_entra.identity_header)
    credential = build_outbound_credential(
        OutboundAuthSettings(kind="managed_identity", resource=CLOUD_AUDIENCE),
        "cloud",
        fake_entra.base,
        fake_entra.ca_file,
    )
    claims = decode(fake_entra, await credential.authorization(None))
    assert claims["azp"] == "managed-identity"
    before = fake_entra.hits["msi"]
    await credential.authorization(None)
    assert fake_entra.hits["msi"] == before


async def test_on_behalf_of_carries_the_user(fake_entra: FakeEntra, secret_env: str) -> None:
    credential = build_outbound_credential(
        settings(fake_entra, kind="on_behalf_of", client_secret_env=secret_env),
        "cloud",
        fake_entra.base,
        fake_entra.ca_file,
    )
    user_token = fake_entra.token(TENANT, API_AUDIENCE, oid="user-oid-7")
    caller = Caller(
        principal_from_claims(jwt.decode(user_token, options={"verify_signature": False})),
        user_token,
    )
    claims = decode(fake_entra, await credential.authorization(caller))
    assert claims["oid"] == "user-oid-7"
    with pytest.raises(AuthUnavailable):
        await credential.authorization(None)


async def test_tokens_are_renewed_before_they_expire() -> None:
    now = [0.0]
    issued: list[int] = []

    def acquire() -> dict[str, Any]:
        issued.append(1)
        return {"access_token": f"t{len(issued)}", "expires_in": 3600}

    credential = AppTokenCredential(acquire, "cloud", margin_s=300, clock=lambda: now[0])
    assert await credential.authorization(None) == "Bearer t1"
    now[0] = 3299
    assert await credential.authorization(None) == "Bearer t1"
    now[0] = 3301  # inside the margin: renewed before the backend could see it expire
    assert await credential.authorization(None) == "Bearer t2"
