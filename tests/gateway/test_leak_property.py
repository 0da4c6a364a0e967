"""The property the product is sold on, tested on random bodies: a sensitive value
planted in any text place of a valid chat, completion or Responses body, disguised or
not, never reaches the cloud in any form, under the default policy and under one that
redacts everything it sends (to a chat-completions cloud and to a native Responses
one). Fixed seed here; `python -m bench.leak_probe` runs it longer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from gateway.app import create_app
from gateway.classify.registry import Classifiers
from gateway.cli.settings import load_settings
from tests.conftest import DEFAULT_POLICY
from tests.fakes.recording import RecordingBackend
from tests.gateway.leak_probe import Probe, leaked, probes, responses_probes
from tests.processes import dev_token

REDACT_EVERYTHING = f"""classifiers_from: {DEFAULT_POLICY}
rules:
  - id: redact-everything
    when: {{not: {{model: edge}}}}
    route: redact_then_cloud
"""
# bench/leak_probe.py sets a longer, randomly seeded run; `make test` runs a fixed one.
LONG_RUN = os.environ.get("HYBRIDGATE_LEAK_PROBE_EXAMPLES")
PROPERTY = settings(
    max_examples=int(LONG_RUN or 40),
    derandomize=LONG_RUN is None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Probed:
    def __init__(self, client: TestClient, cloud: RecordingBackend) -> None:
        self.client, self.cloud = client, cloud

    def send(self, probe: Probe, clean: bool = False) -> tuple[int, str]:
        self.cloud.bodies.clear()
        body = probe.clean if clean else probe.body
        response = self.client.post(probe.path, json=body)
        return response.status_code, self.cloud.received_text()


def gateway(
    policy: Path,
    classifiers: Classifiers,
    state: Path,
    monkeypatch: pytest.MonkeyPatch,
    responses: str = "translate",
) -> Iterator[Probed]:
    monkeypatch.setenv("HYBRIDGATE_POLICY__FILE", str(policy))
    monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__RESPONSES", responses)
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(state))
    cloud = RecordingBackend("cloud-model")
    transports = {"cloud": cloud.transport(), "edge": RecordingBackend("edge").transport()}
    app = create_app(load_settings(), transports, classifiers)  # type: ignore[arg-type]
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {dev_token(state)}"
        yield Probed(client, cloud)


@pytest.fixture(scope="module")
def default_gateway(
    classifiers: Classifiers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Probed]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from gateway(
            DEFAULT_POLICY, classifiers, tmp_path_factory.mktemp("leak"), monkeypatch
        )


@pytest.fixture(scope="module")
def redacting_gateway(
    classifiers: Classifiers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Probed]:
    state = tmp_path_factory.mktemp("leak-redact")
    policy = state / "policy.yaml"
    policy.write_text(REDACT_EVERYTHING)
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from gateway(policy, classifiers, state, monkeypatch)


@pytest.fixture(scope="module")
def native_redacting_gateway(
    classifiers: Classifiers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Probed]:
    """A cloud that takes Responses bodies as they are (`responses: native`)."""
    state = tmp_path_factory.mktemp("leak-native")
    policy = state / "policy.yaml"
    policy.write_text(REDACT_EVERYTHING)
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from gateway(policy, classifiers, state, monkeypatch, responses="native")


DROPPED = {"user field", "metadata value", "metadata key", "unknown field"}


def never_sent_under_the_default_policy(gateway: Probed, probe: Probe) -> None:
    status, received = gateway.send(probe)
    assert status in (200, 403), received
    assert leaked(probe, received) == [], probe
    if probe.body["model"] == "cloud":
        # The control: the same body without the value does reach the cloud, so the
        # value, not the shape of the body, is what kept it home.
        status, received = gateway.send(probe, clean=True)
        assert status == 200
        assert received


def never_sent_under_the_redacting_policy(gateway: Probed, probe: Probe) -> None:
    status, received = gateway.send(probe)
    assert status == 200
    assert leaked(probe, received) == [], probe
    if probe.place not in DROPPED:
        status, received = gateway.send(probe, clean=True)
        assert status == 200
        assert received


@PROPERTY
@given(probe=probes())
def test_default_policy_never_sends_a_planted_value(default_gateway: Probed, probe: Probe) -> None:
    never_sent_under_the_default_policy(default_gateway, probe)


@PROPERTY
@given(probe=probes(models=("auto",)))
def test_redacting_policy_never_sends_a_planted_value(
    redacting_gateway: Probed, probe: Probe
) -> None:
    never_sent_under_the_redacting_policy(redacting_gateway, probe)


@PROPERTY
@given(probe=responses_probes())
def test_default_policy_never_sends_a_planted_value_in_a_responses_body(
    default_gateway: Probed, probe: Probe
) -> None:
    never_sent_under_the_default_policy(default_gateway, probe)


@PROPERTY
@given(probe=responses_probes(models=("auto",)))
def test_redacting_policy_never_sends_a_planted_value_in_a_responses_body(
    redacting_gateway: Probed, probe: Probe
) -> None:
    never_sent_under_the_redacting_policy(redacting_gateway, probe)


@PROPERTY
@given(probe=responses_probes(models=("auto",)))
def test_redacting_policy_never_sends_a_planted_value_to_a_native_responses_cloud(
    native_redacting_gateway: Probed, probe: Probe
) -> None:
    never_sent_under_the_redacting_policy(native_redacting_gateway, probe)
