"""The HTTP surface: every path the gateway does not serve answers an OpenAI-shaped
404 (one audit event each), and a fuzzer driven by the gateway's own OpenAPI
description finds no 5xx, no traceback and no request without its event."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.core import NotSet

from gateway.app import create_app
from gateway.audit.files import discover
from gateway.audit.query import iter_events
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.fakes.recording import RecordingBackend
from tests.processes import dev_token

UNSERVED = [
    ("GET", "/v1/responses/resp_1"),
    ("POST", "/v1/files"),
    ("GET", "/v1/files"),
    ("GET", "/v1/files/file-abc/content"),
    ("POST", "/v1/audio/transcriptions"),
    ("POST", "/v1/images/generations"),
    ("POST", "/v1/moderations"),
    ("POST", "/v1/batches"),
    ("POST", "/v1/fine_tuning/jobs"),
    ("POST", "/v1/chat/completions/extra"),
    ("GET", "/"),
    ("DELETE", "/v2/anything"),
]


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def client(state: Path, classifiers: Classifiers) -> Iterator[TestClient]:
    transports = {"edge": RecordingBackend().transport(), "cloud": RecordingBackend().transport()}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {dev_token(state)}"
        yield test_client


def events(state: Path) -> list[dict[str, Any]]:
    return list(iter_events(discover(state / "audit" / "audit.jsonl")))


def openai_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


@pytest.mark.parametrize(("method", "path"), UNSERVED)
def test_unserved_paths_are_openai_404s_with_one_event(
    client: TestClient, state: Path, method: str, path: str
) -> None:
    response = client.request(method, path, json={"model": "auto", "input": "hello"})
    assert response.status_code == 404
    assert openai_error(response)["code"] == "not_found"
    assert response.headers["x-hybridgate-decision-id"]
    client.close()
    found = [
        e for e in events(state) if e["decision_id"] == response.headers["x-hybridgate-decision-id"]
    ]
    assert len(found) == 1
    assert found[0]["status"] == 404


def test_embeddings_are_served_and_recorded_once(client: TestClient, state: Path) -> None:
    response = client.post("/v1/embeddings", json={"model": "auto", "input": "hello"})
    assert response.status_code == 200
    assert response.headers["x-hybridgate-route"] == "edge"
    client.close()
    decision = response.headers["x-hybridgate-decision-id"]
    found = [e for e in events(state) if e["decision_id"] == decision]
    assert len(found) == 1
    assert found[0]["status"] == 200


def test_a_wrong_method_is_an_openai_error_too(client: TestClient) -> None:
    response = client.get("/v1/chat/completions")
    assert response.status_code == 405
    assert openai_error(response)["type"] == "invalid_request_error"


def _send(client: TestClient, case: Case) -> httpx.Response:
    body = case.body
    if isinstance(body, NotSet):
        return client.request(case.method, case.formatted_path, params=case.query)
    if isinstance(body, bytes | str):
        return client.request(case.method, case.formatted_path, content=body)
    return client.request(case.method, case.formatted_path, json=body, params=case.query)


def test_fuzzing_from_the_openapi_description_finds_no_5xx(client: TestClient, state: Path) -> None:
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/chat/completions", "/v1/completions"}
    # Bodies that follow the description and bodies that break it, for every operation.
    cases = st.one_of(
        [op.as_strategy(generation_mode=mode) for op in operations for mode in GenerationMode]
    )
    decision_ids: list[str] = []

    @settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def fuzz(case: Case) -> None:
        response = _send(client, case)
        path = case.operation.path
        assert response.status_code < 500 or path == "/readyz", (case.body, response.text)
        assert "Traceback" not in response.text
        if response.status_code >= 400:
            openai_error(response)
        # Probes and successful scrapes are not requests the audit log records.
        scraped = path == "/metrics" and response.status_code < 400
        if path not in ("/healthz", "/readyz") and not scraped:
            decision_ids.append(response.headers["x-hybridgate-decision-id"])

    fuzz()
    client.close()
    audited = [e["decision_id"] for e in events(state)]
    assert decision_ids
    for decision_id in decision_ids:
        assert audited.count(decision_id) == 1
