"""Shared fixtures: a real edge server on SmolLM2 and a gateway in front of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.classify.registry import Classifiers
from gateway.policy.loader import load_classifier_options
from tests.fakes.entra import FakeEntra
from tests.processes import Service, dev_token, free_port, start_edge, start_gateway


@pytest.fixture(autouse=True)
def _private_state_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test writes dev keys or audit logs into the checkout's .hybridgate; a test
    that needs its own state dir sets HYBRIDGATE_SERVER__STATE_DIR after this."""
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def edge_server(log_dir: Path) -> Iterator[Service]:
    service = start_edge(log_dir)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev issuer's key for the shared gateway lives here."""
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def token(state_dir: Path) -> str:
    return dev_token(state_dir)


@pytest.fixture(scope="session")
def gateway_server(edge_server: Service, log_dir: Path, state_dir: Path) -> Iterator[Service]:
    # Nothing listens on the cloud port: these tests need no Ray (tests/e2e/test_cloud.py
    # runs a real one), and cloud-routed requests fall back to the edge.
    dead_cloud = f"http://127.0.0.1:{free_port()}"
    service = start_gateway(
        log_dir, edge_server.url, state_dir, HYBRIDGATE_BACKENDS__CLOUD__URL=dead_cloud
    )
    yield service
    service.stop()


DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"
TENANT = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "22222222-2222-2222-2222-222222222222"
API_AUDIENCE = "api://hybridgate-test"


@pytest.fixture(scope="session")
def fake_entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeEntra]:
    entra = FakeEntra(tmp_path_factory.mktemp("fake-entra"), (TENANT, OTHER_TENANT))
    entra.start()
    yield entra
    entra.stop()


@pytest.fixture(scope="session")
def classifiers() -> Classifiers:
    """The shipped policy's classifiers, loaded once for the session."""
    return Classifiers(load_classifier_options(DEFAULT_POLICY))
