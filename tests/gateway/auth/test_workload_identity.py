"""AKS workload identity against the fake Entra tenant: the projected service-account
token is exchanged as a federated credential, the token file is read again for every
token (the kubelet rotates it), and Entra's checks of issuer, subject and audience
hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import ValidationError

from gateway.auth.config import OutboundAuthSettings, WorkloadIdentityEnv
from gateway.auth.outbound import OutboundCredential, build_outbound_credential
from gateway.errors import AuthUnavailable
from gateway.settings import ConfigError
from tests.conftest import TENANT
from tests.fakes.entra import APP_ROLE, ClusterIssuer, FakeEntra
from tests.fakes.kubelet import AtomicVolume

CLOUD_AUDIENCE = "api://hybridgate-cloud"
NAMESPACE, SERVICE_ACCOUNT = "ai", "hybridgate"
SUBJECT = f"system:serviceaccount:{NAMESPACE}:{SERVICE_ACCOUNT}"


@pytest.fixture
def cluster() -> ClusterIssuer:
    return ClusterIssuer()


@pytest.fixture
def client_id(fake_entra: FakeEntra, cluster: ClusterIssuer, request: pytest.FixtureRequest) -> str:
    """An identity whose federated credential trusts this cluster's service account."""
    client = f"wi-{request.node.name}"
    fake_entra.federate(client, cluster, SUBJECT)
    return client


@pytest.fixture
def short_lived_tokens(fake_entra: FakeEntra, monkeypatch: pytest.MonkeyPatch) -> None:
    # Access tokens that MSAL and the gateway both consider due for renewal at once,
    # so that every call goes to the token endpoint with a fresh assertion.
    monkeypatch.setattr(fake_entra, "token_lifetime_s", 60)


@pytest.fixture
def volume(tmp_path: Path) -> AtomicVolume:
    """The projected volume the workload identity webhook adds to the pod."""
    return AtomicVolume(tmp_path / "azure-identity-token")


@pytest.fixture
def credential(
    fake_entra: FakeEntra,
    client_id: str,
    volume: AtomicVolume,
    short_lived_tokens: None,
    monkeypatch: pytest.MonkeyPatch,
) -> OutboundCredential:
    # What the webhook injects into the container.
    monkeypatch.setenv("AZURE_CLIENT_ID", client_id)
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", f"{fake_entra.base}/")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(volume.root / "azure-identity-token"))
    settings = OutboundAuthSettings(kind="workload_identity", scopes=[f"{CLOUD_AUDIENCE}/.default"])
    # The default authority is deliberately unusable: the webhook's variables win.
    return build_outbound_credential(
        settings, "cloud", "https://unused.invalid", fake_entra.ca_file
    )


def decode(fake: FakeEntra, authorization: str | None) -> dict[str, Any]:
    assert authorization is not None
    token = authorization.removeprefix("Bearer ")
    key = fake.public_keys(TENANT)[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=CLOUD_AUDIENCE)
    return claims


def publish(volume: AtomicVolume, token: str) -> None:
    volume.write({"azure-identity-token": token})


async def test_the_service_account_token_is_exchanged_for_the_identity(
    fake_entra: FakeEntra,
    cluster: ClusterIssuer,
    client_id: str,
    volume: AtomicVolume,
    credential: OutboundCredential,
) -> None:
    publish(volume, cluster.token(NAMESPACE, SERVICE_ACCOUNT))
    claims = decode(fake_entra, await credential.authorization(None))
    assert claims["azp"] == client_id
    assert claims["roles"] == [APP_ROLE]
    assert claims["tid"] == TENANT


async def test_the_token_file_is_read_again_after_each_rotation(
    fake_entra: FakeEntra, cluster: ClusterIssuer, volume: AtomicVolume, credential: Any
) -> None:
    sent: list[str] = []
    for _ in range(3):
        token = cluster.token(NAMESPACE, SERVICE_ACCOUNT)
        publish(volume, token)  # the kubelet's rotation: a new file behind ..data
        sent.append(token)
        decode(fake_entra, await credential.authorization(None))
    assert len(set(sent)) == 3
    assert fake_entra.assertions[-3:] == sent


async def test_an_expired_token_is_refused_until_the_kubelet_rotates_it(
    fake_entra: FakeEntra, cluster: ClusterIssuer, volume: AtomicVolume, credential: Any
) -> None:
    publish(volume, cluster.token(NAMESPACE, SERVICE_ACCOUNT, lifetime_s=-60))
    with pytest.raises(AuthUnavailable) as caught:
        await credential.authorization(None)
    assert caught.value.status_code == 503
    assert "invalid_client" in caught.value.message

    publish(volume, cluster.token(NAMESPACE, SERVICE_ACCOUNT))
    assert decode(fake_entra, await credential.authorization(None))["roles"] == [APP_ROLE]


Forge = Callable[[ClusterIssuer], str]
FORGERIES: dict[str, Forge] = {
    "another service account": lambda c: c.token(NAMESPACE, "someone-else"),
    "another namespace": lambda c: c.token("other", SERVICE_ACCOUNT),
    "another audience": lambda c: c.token(NAMESPACE, SERVICE_ACCOUNT, aud=["api://other"]),
    "another issuer's claim": lambda c: c.token(
        NAMESPACE, SERVICE_ACCOUNT, iss="https://oidc.elsewhere.test/"
    ),
    # The right issuer URL, signed by a key that is not the cluster's.
    "another issuer's key": lambda c: ClusterIssuer(c.url).token(NAMESPACE, SERVICE_ACCOUNT),
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_entra_refuses_assertions_that_do_not_match_the_federation(
    fake_entra: FakeEntra,
    cluster: ClusterIssuer,
    volume: AtomicVolume,
    credential: Any,
    forge: Forge,
) -> None:
    publish(volume, forge(cluster))
    with pytest.raises(AuthUnavailable, match="invalid_client"):
        await credential.authorization(None)


async def test_a_missing_token_file_is_a_503_naming_the_file(
    volume: AtomicVolume, credential: Any
) -> None:
    with pytest.raises(AuthUnavailable, match="federated token file"):
        await credential.authorization(None)


def test_the_webhooks_environment_is_required(fake_entra: FakeEntra) -> None:
    settings = OutboundAuthSettings(kind="workload_identity", scopes=["api://x/.default"])
    env = WorkloadIdentityEnv(client_id="c", tenant_id=TENANT)
    with pytest.raises(ConfigError, match="AZURE_AUTHORITY_HOST, AZURE_FEDERATED_TOKEN_FILE"):
        build_outbound_credential(settings, "cloud", fake_entra.base, None, env)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "needs scopes"),
        ({"scopes": ["api://x/.default"], "client_id": "c"}, "not from client_id"),
        ({"scopes": ["api://x/.default"], "client_secret_env": "S"}, "not from client_secret_env"),
    ],
)
def test_settings_take_identity_from_the_environment_only(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        OutboundAuthSettings.model_validate({"kind": "workload_identity", **values})
