"""The gateway app in entra mode against the fake tenant: what reaches the pipeline,
what is refused with which status and challenge, and the token the cloud leg gets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from gateway.api.deps import AdminDep
from gateway.app import create_app
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import API_AUDIENCE, OTHER_TENANT, TENANT
from tests.fakes.entra import APP_ROLE, FakeEntra

CHAT = {"model": "cloud", "messages": [{"role": "user", "content": "hi"}]}
CLOUD_AUDIENCE = "api://hybridgate-cloud"


class StubCloud:
    """Plays the Ray Serve ingress: accepts only tokens the fake tenant signed for it."""

    def __init__(self, fake: FakeEntra) -> None:
        self.fake = fake
        self.seen: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            kid = jwt.get_unverified_header(token)["kid"]
            claims = jwt.decode(
                token,
                self.fake.public_keys(TENANT)[kid],
                algorithms=["RS256"],
                audience=CLOUD_AUDIENCE,
            )
        except (jwt.InvalidTokenError, KeyError):
            return httpx.Response(401, json={"error": {"message": "bad token"}})
        assert scheme == "Bearer"
        self.seen.append(claims)
        return httpx.Response(200, json={"object": "chat.completion", "model": "cloud-model"})


@pytest.fixture
def entra_env(fake_entra: FakeEntra, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_entra.down = False
    values = {
        "HYBRIDGATE_AUTH__MODE": "entra",
        "HYBRIDGATE_AUTH__ENTRA__TENANT_ID": TENANT,
        "HYBRIDGATE_AUTH__ENTRA__AUDIENCES": json.dumps([API_AUDIENCE]),
        "HYBRIDGATE_AUTH__ENTRA__AUTHORITY": fake_entra.base,
        "SSL_CERT_FILE": str(fake_entra.ca_file),
        "HG_TEST_CLIENT_SECRET": fake_entra.client_secret,
        "HYBRIDGATE_BACKENDS__CLOUD__AUTH__KIND": "client_credentials",
        "HYBRIDGATE_BACKENDS__CLOUD__AUTH__TENANT_ID": TENANT,
        "HYBRIDGATE_BACKENDS__CLOUD__AUTH__CLIENT_ID": "gateway-app",
        "HYBRIDGATE_BACKENDS__CLOUD__AUTH__SCOPES": json.dumps([f"{CLOUD_AUDIENCE}/.default"]),
        "HYBRIDGATE_BACKENDS__CLOUD__AUTH__CLIENT_SECRET_ENV": "HG_TEST_CLIENT_SECRET",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def cloud(fake_entra: FakeEntra) -> StubCloud:
    return StubCloud(fake_entra)


@pytest.fixture
def client(entra_env: None, cloud: StubCloud, classifiers: Classifiers) -> Iterator[TestClient]:
    transports = {"cloud": httpx.MockTransport(cloud)}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_valid_token_reaches_the_cloud_with_the_gateways_own_token(
    client: TestClient, fake_entra: FakeEntra, cloud: StubCloud
) -> None:
    response = client.post(
        "/v1/chat/completions", json=CHAT, headers=bearer(fake_entra.token(TENANT, API_AUDIENCE))
    )
    assert response.status_code == 200, response.text
    assert cloud.seen[0]["roles"] == [APP_ROLE]
    assert cloud.seen[0]["azp"] == "gateway-app"


def assert_401(response: httpx.Response, description: str | None) -> None:
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "authentication_error"
    challenge = response.headers["www-authenticate"]
    if description is None:
        assert challenge == 'Bearer realm="hybridgate"'
    else:
        assert challenge.startswith('Bearer error="invalid_token", error_description="')
        assert description in challenge
        assert description in error["message"]


@pytest.mark.parametrize(
    ("headers", "params", "description"),
    [
        ({}, {}, None),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, {}, "Bearer scheme"),
        ({"Authorization": "Bearer garbage"}, {}, "not a well-formed JWT"),
        ({"Authorization": "Bearer " + "x" * (17 * 1024)}, {}, "larger than 16 KiB"),
        ({}, {"access_token": "abc"}, "query string"),
    ],
)
def test_malformed_credentials_are_401(
    client: TestClient, headers: dict[str, str], params: dict[str, str], description: str | None
) -> None:
    response = client.post("/v1/chat/completions", json=CHAT, headers=headers, params=params)
    assert_401(response, description)


def test_expired_token_is_401_without_echoing_it(client: TestClient, fake_entra: FakeEntra) -> None:
    token = fake_entra.token(TENANT, API_AUDIENCE, exp=1, nbf=0)
    response = client.post("/v1/chat/completions", json=CHAT, headers=bearer(token))
    assert_401(response, "expired")
    assert token not in response.text
    assert token.rsplit(".", 1)[1] not in response.headers["www-authenticate"]


def test_other_tenant_is_401(client: TestClient, fake_entra: FakeEntra) -> None:
    response = client.post(
        "/v1/chat/completions",
        json=CHAT,
        headers=bearer(fake_entra.token(OTHER_TENANT, API_AUDIENCE)),
    )
    assert_401(response, "tenant is not allowed")


def test_missing_scope_is_403(client: TestClient, fake_entra: FakeEntra) -> None:
    token = fake_entra.token(TENANT, API_AUDIENCE, scp="something.else")
    response = client.post("/v1/chat/completions", json=CHAT, headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_app_token_needs_the_invoke_role(client: TestClient, fake_entra: FakeEntra) -> None:
    without = fake_entra.token(TENANT, API_AUDIENCE, scp=None, idtyp="app", roles=[])
    assert client.get("/v1/models", headers=bearer(without)).status_code == 403
    with_role = fake_entra.token(
        TENANT, API_AUDIENCE, scp=None, idtyp="app", roles=["Hybridgate.Invoke"]
    )
    assert client.get("/v1/models", headers=bearer(with_role)).status_code == 200


def test_probes_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200


def test_outbound_token_failure_is_503_without_secrets(
    entra_env: None,
    cloud: StubCloud,
    fake_entra: FakeEntra,
    monkeypatch: pytest.MonkeyPatch,
    classifiers: Classifiers,
) -> None:
    monkeypatch.setenv("HG_TEST_CLIENT_SECRET", "wrong-secret-value")
    transports = {"cloud": httpx.MockTransport(cloud)}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        response = test_client.post(
            "/v1/chat/completions",
            json=CHAT,
            headers=bearer(fake_entra.token(TENANT, API_AUDIENCE)),
        )
    assert response.status_code == 503
    assert "invalid_client" in response.json()["error"]["message"]
    assert "wrong-secret-value" not in response.text
    assert cloud.seen == []


def test_managed_identity_token_reaches_the_cloud(
    entra_env: None,
    cloud: StubCloud,
    fake_entra: FakeEntra,
    monkeypatch: pytest.MonkeyPatch,
    classifiers: Classifiers,
) -> None:
    monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__AUTH__KIND", "managed_identity")
    monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__AUTH__RESOURCE", CLOUD_AUDIENCE)
    for key in ("TENANT_ID", "CLIENT_ID", "SCOPES", "CLIENT_SECRET_ENV"):
        monkeypatch.delenv(f"HYBRIDGATE_BACKENDS__CLOUD__AUTH__{key}")
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{fake_entra.base}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", fake_entra.identity_header)
    transports = {"cloud": httpx.MockTransport(cloud)}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        response = test_client.post(
            "/v1/chat/completions",
            json=CHAT,
            headers=bearer(fake_entra.token(TENANT, API_AUDIENCE)),
        )
    assert response.status_code == 200, response.text
    assert cloud.seen[0]["azp"] == "managed-identity"


def test_admin_dependency_needs_the_admin_role(
    entra_env: None, cloud: StubCloud, fake_entra: FakeEntra, classifiers: Classifiers
) -> None:
    # No admin endpoint exists yet (metrics, policy admin and explain bring them);
    # this mounts one on the real app to check the dependency they will use.
    app = create_app(load_settings(), {"cloud": httpx.MockTransport(cloud)}, classifiers)

    @app.get("/admin/ping")
    async def ping(caller: AdminDep) -> dict[str, str]:
        return {"oid": str(caller.principal.oid)}

    with TestClient(app) as test_client:
        user = fake_entra.token(TENANT, API_AUDIENCE, roles=["Hybridgate.Invoke"])
        admin = fake_entra.token(TENANT, API_AUDIENCE, roles=["Hybridgate.Admin"], oid="adm-1")
        assert test_client.get("/admin/ping", headers=bearer(user)).status_code == 403
        response = test_client.get("/admin/ping", headers=bearer(admin))
        assert response.json() == {"oid": "adm-1"}
