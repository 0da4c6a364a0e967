"""The gateway app in-process: parsing, errors, headers and routing, with the backends
played by httpx.MockTransport. Real backends are covered by tests/e2e."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.processes import dev_token

CHAT = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
POLICY_REVISION = "sha256:" + hashlib.sha256(DEFAULT_POLICY.read_bytes()).hexdigest()


class Recorder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.requests: list[dict[str, object]] = []
        self.in_flight = 0

    def readyz(self) -> dict[str, object]:
        # An edge with 8 slots: beyond them, requests wait in its queue.
        busy = min(self.in_flight, 8)
        return {
            "status": "ready",
            "in_flight": self.in_flight,
            "slots_busy": busy,
            "slots_total": 8,
            "queue_depth": self.in_flight - busy,
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":  # the gateway polls the edge's load
            return httpx.Response(200, json=self.readyz())
        body = json.loads(request.content)
        self.requests.append(body)
        if body.get("stream"):
            sse = b'data: {"choices": []}\n\ndata: [DONE]\n\n'
            return httpx.Response(200, content=sse, headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json={"backend": self.name, "model": body["model"]})


@pytest.fixture
def backends() -> dict[str, Recorder]:
    return {"edge": Recorder("edge"), "cloud": Recorder("cloud")}


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def client(
    backends: dict[str, Recorder],
    monkeypatch: pytest.MonkeyPatch,
    state_dir: Path,
    classifiers: Classifiers,
) -> Iterator[TestClient]:
    monkeypatch.setenv("HYBRIDGATE_SERVER__MAX_BODY_BYTES", "4096")
    transports = {name: httpx.MockTransport(rec) for name, rec in backends.items()}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {dev_token(state_dir)}"
        yield test_client


@pytest.mark.parametrize(
    ("model", "backend", "upstream_model"),
    [
        ("auto", "edge", "smollm2-135m-instruct"),
        ("edge", "edge", "smollm2-135m-instruct"),
        ("cloud", "cloud", "cloud-smollm2-135m"),
    ],
)
def test_virtual_model_routes_to_backend(
    client: TestClient, backends: dict[str, Recorder], model: str, backend: str, upstream_model: str
) -> None:
    response = client.post("/v1/chat/completions", json=CHAT | {"model": model})
    assert response.status_code == 200
    assert response.json() == {"backend": backend, "model": upstream_model}
    assert response.headers["x-hybridgate-route"] == backend
    assert backends[backend].requests[0]["model"] == upstream_model


def test_headers_on_success_and_unique_decision_ids(client: TestClient) -> None:
    ids = set()
    for _ in range(3):
        response = client.post("/v1/completions", json={"model": "auto", "prompt": "x"})
        assert response.headers["x-hybridgate-route"] == "edge"
        assert response.headers["x-hybridgate-policy-revision"] == POLICY_REVISION
        ids.add(response.headers["x-hybridgate-decision-id"])
    assert len(ids) == 3


def test_stream_is_passed_through(client: TestClient) -> None:
    with client.stream("POST", "/v1/chat/completions", json=CHAT | {"stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-hybridgate-route"] == "edge"
        body = response.read()
    assert body.endswith(b"data: [DONE]\n\n")


def assert_openai_error(response: httpx.Response, status: int, param: str | None = None) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"]
    if param is not None:
        assert error["param"] == param
    assert response.headers["x-hybridgate-decision-id"]


def test_invalid_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_openai_error(response, 400)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "auto"}, "messages"),
        ({"messages": CHAT["messages"]}, "model"),
        (CHAT | {"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        (CHAT | {"max_tokens": 0}, "max_tokens"),
        (CHAT | {"temperature": "hot"}, "temperature"),
        (CHAT | {"stream": "yes please"}, "stream"),
    ],
)
def test_schema_errors_name_the_field(
    client: TestClient, body: dict[str, object], param: str
) -> None:
    assert_openai_error(client.post("/v1/chat/completions", json=body), 400, param)


def test_unknown_model_is_404(client: TestClient, backends: dict[str, Recorder]) -> None:
    response = client.post("/v1/chat/completions", json=CHAT | {"model": "gpt-4o"})
    assert_openai_error(response, 404, "model")
    assert response.json()["error"]["code"] == "model_not_found"
    assert backends["edge"].requests == []


def test_body_over_limit_is_413(client: TestClient, backends: dict[str, Recorder]) -> None:
    big = CHAT | {"messages": [{"role": "user", "content": "x" * 5000}]}
    assert_openai_error(client.post("/v1/chat/completions", json=big), 413)
    assert backends["edge"].requests == []


def test_chunked_body_over_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"model": "auto", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}]}'

    response = client.post(
        "/v1/chat/completions", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_openai_error(response, 413)


def test_unknown_path_is_an_openai_404(client: TestClient) -> None:
    assert_openai_error(client.get("/v1/nothing"), 404)


def test_models_lists_the_virtual_models(client: TestClient) -> None:
    data = client.get("/v1/models").json()["data"]
    assert [m["id"] for m in data] == ["auto", "edge", "cloud"]


def test_upstream_unreachable_is_503_with_route(state_dir: Path, classifiers: Classifiers) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transports = {"edge": httpx.MockTransport(refuse), "cloud": httpx.MockTransport(refuse)}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {dev_token(state_dir)}"
        response = test_client.post("/v1/chat/completions", json=CHAT)
        assert_openai_error(response, 503)
        assert response.headers["x-hybridgate-route"] == "edge"
        assert test_client.get("/readyz").status_code == 503
        assert test_client.get("/healthz").status_code == 200
        for _ in range(5):  # the default threshold of consecutive failures
            test_client.post("/v1/chat/completions", json=CHAT)
        assert test_client.get("/readyz").json()["breakers"]["edge"] == "open"


@pytest.mark.parametrize(("edge_up", "cloud_up"), [(True, False), (False, True)])
def test_readyz_reports_both_legs_and_follows_the_edge(
    state_dir: Path, classifiers: Classifiers, edge_up: bool, cloud_up: bool
) -> None:
    def leg(up: bool) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if not up:
                raise httpx.ConnectError("refused", request=request)
            return httpx.Response(200, json=Recorder("leg").readyz())

        return httpx.MockTransport(answer)

    transports = {"edge": leg(edge_up), "cloud": leg(cloud_up)}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        response = test_client.get("/readyz")
    # A cloud that is down leaves the gateway ready: everything can fall back to the edge.
    assert response.status_code == (200 if edge_up else 503)
    assert response.json()["checks"] == {"edge": edge_up, "cloud": cloud_up}
    assert response.json()["limits_store"] == "memory"  # the default: nothing shared


def test_explain_returns_the_decision_without_inference(
    client: TestClient, backends: dict[str, Recorder], state_dir: Path
) -> None:
    admin = {"Authorization": f"Bearer {dev_token(state_dir, roles=['Hybridgate.Admin'])}"}
    body = {
        "model": "auto",
        "messages": [
            {"role": "user", "content": "Patient Mary Jones, MRN 00482913, was diagnosed with HIV"}
        ],
    }
    response = client.post("/v1/route/explain", json=body, headers=admin)
    assert response.status_code == 200, response.text
    decision = response.json()
    assert set(decision) >= {
        "decision_id",
        "route",
        "rule",
        "policy_revision",
        "sensitivity",
        "complexity",
        "redacted",
        "fallback",
        "trace",
    }
    assert decision["decision_id"] == response.headers["x-hybridgate-decision-id"]
    assert decision["sensitivity"]["level"] == "restricted"
    assert decision["sensitivity"]["entities"]["MEDICAL_RECORD_NUMBER"] == 1
    assert "Mary" not in response.text
    assert "00482913" not in response.text
    assert decision["complexity"]["label"] in {"simple", "complex"}
    assert backends["edge"].requests == []
    assert backends["cloud"].requests == []


def test_explain_needs_the_admin_role(client: TestClient) -> None:
    # The client's default token has the invoke scope but no admin role.
    response = client.post("/v1/route/explain", json=CHAT)
    assert response.status_code == 403


def test_explain_accepts_a_configured_role(
    backends: dict[str, Recorder],
    monkeypatch: pytest.MonkeyPatch,
    state_dir: Path,
    classifiers: Classifiers,
) -> None:
    monkeypatch.setenv("HYBRIDGATE_AUTH__ENTRA__EXPLAIN_ROLES", '["Hybridgate.Explain"]')
    transports = {name: httpx.MockTransport(rec) for name, rec in backends.items()}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    token = dev_token(state_dir, roles=["Hybridgate.Explain"])
    with TestClient(app) as test_client:
        response = test_client.post(
            "/v1/route/explain", json=CHAT, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        admin = test_client.get("/admin/policy", headers={"Authorization": f"Bearer {token}"})
        assert admin.status_code == 403  # explain's role is not the admin role


def test_edge_down_never_sends_sensitive_data_to_the_cloud(
    state_dir: Path, classifiers: Classifiers
) -> None:
    cloud = Recorder("cloud")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transports = {"edge": httpx.MockTransport(refuse), "cloud": httpx.MockTransport(cloud)}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    body = {
        "model": "auto",
        "messages": [{"role": "user", "content": "Card 4111 1111 1111 1111 was declined, why?"}],
    }
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {dev_token(state_dir)}"
        response = test_client.post("/v1/chat/completions", json=body)
    assert response.status_code == 503
    assert response.headers["x-hybridgate-route"] == "edge"
    assert cloud.requests == []


def test_a_busy_edge_spills_simple_public_work_to_the_cloud(
    client: TestClient, backends: dict[str, Recorder]
) -> None:
    backends["edge"].in_flight = 12  # deeper than the default policy's threshold of 8
    deadline = time.monotonic() + 10
    route = ""
    while time.monotonic() < deadline and route != "cloud":
        route = client.post("/v1/chat/completions", json=CHAT).headers["x-hybridgate-route"]
        time.sleep(0.1)
    assert route == "cloud"
    secret = CHAT | {"messages": [{"role": "user", "content": "Card 4111 1111 1111 1111"}]}
    assert client.post("/v1/chat/completions", json=secret).headers["x-hybridgate-route"] == "edge"
