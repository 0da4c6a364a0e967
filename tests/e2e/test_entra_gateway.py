"""A gateway process in entra mode, configured only through HYBRIDGATE_AUTH__ENTRA__*
and SSL_CERT_FILE, against the fake tenant, driven by the openai SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from tests.conftest import API_AUDIENCE, TENANT
from tests.fakes.entra import FakeEntra
from tests.processes import Service, start_gateway

pytestmark = pytest.mark.e2e

QUESTION = [{"role": "user", "content": "What is the capital of Japan?"}]


@pytest.fixture(scope="module")
def entra_gateway(
    edge_server: Service,
    fake_entra: FakeEntra,
    log_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Service]:
    service = start_gateway(
        log_dir,
        edge_server.url,
        tmp_path_factory.mktemp("entra-state"),
        HYBRIDGATE_AUTH__MODE="entra",
        HYBRIDGATE_AUTH__ENTRA__TENANT_ID=TENANT,
        HYBRIDGATE_AUTH__ENTRA__AUDIENCES=json.dumps([API_AUDIENCE]),
        HYBRIDGATE_AUTH__ENTRA__AUTHORITY=fake_entra.base,
        SSL_CERT_FILE=str(fake_entra.ca_file),
    )
    yield service
    service.stop()


def sdk(gateway: Service, token: str) -> OpenAI:
    return OpenAI(base_url=f"{gateway.url}/v1", api_key=token, max_retries=0)


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_entra_tokens_are_accepted(
    entra_gateway: Service, fake_entra: FakeEntra, version: str
) -> None:
    token = fake_entra.token(TENANT, API_AUDIENCE, version=version)
    raw = sdk(entra_gateway, token).chat.completions.with_raw_response.create(
        model="auto",
        messages=QUESTION,
        max_tokens=10,  # type: ignore[arg-type]
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert raw.parse().choices[0].message.content


def test_wrong_audience_is_refused(entra_gateway: Service, fake_entra: FakeEntra) -> None:
    token = fake_entra.token(TENANT, "api://not-this-api")
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(entra_gateway, token).models.list()
    assert "another audience" in caught.value.response.headers["www-authenticate"]


def test_dev_tokens_are_refused_in_entra_mode(entra_gateway: Service, token: str) -> None:
    with pytest.raises(openai.AuthenticationError):
        sdk(entra_gateway, token).models.list()


def test_oversized_header_gets_the_gateways_own_401(entra_gateway: Service) -> None:
    response = httpx.get(
        f"{entra_gateway.url}/v1/models", headers={"Authorization": "Bearer " + "x" * 20_000}
    )
    assert response.status_code == 401
    assert "16 KiB" in response.json()["error"]["message"]


def test_tokens_never_reach_the_log(entra_gateway: Service, fake_entra: FakeEntra) -> None:
    good = fake_entra.token(TENANT, API_AUDIENCE)
    expired = fake_entra.token(TENANT, API_AUDIENCE, exp=1, nbf=0)
    in_query = fake_entra.token(TENANT, API_AUDIENCE)
    for token in (good, expired):
        httpx.get(f"{entra_gateway.url}/v1/models", headers={"Authorization": f"Bearer {token}"})
    refused = httpx.get(f"{entra_gateway.url}/v1/models", params={"access_token": in_query})
    assert refused.status_code == 401
    log = entra_gateway.log()
    assert "/v1/models" in log  # the access log is on, just scrubbed
    for token in (good, expired, in_query):
        assert token.rsplit(".", 1)[1] not in log
        assert token.split(".")[1] not in log
