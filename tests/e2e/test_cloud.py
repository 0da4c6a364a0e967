"""The whole hybrid path on real components: the edge server on SmolLM2, the cloud leg
on a real local Ray Serve (`hybridgate cloud up`), the gateway, the openai SDK.

The tests in this module run in order and share one cloud: the last ones stop it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from cloud.local import read_state, session_members
from common.embedding import MODEL_ID as EMBEDDING_MODEL
from tests.e2e.test_up import alive
from tests.processes import Service, dev_token, free_port, start_edge, start_gateway

pytestmark = [pytest.mark.e2e, pytest.mark.ray]

COMPLEX = (
    "Compare the trade-offs between optimistic and pessimistic locking in a distributed "
    "database, and explain step by step when each one is the better choice."
)
SENSITIVE = "My SSN is 078-05-1120, can you remind me when my tax return is due?"
CLOUD_MODEL = "cloud-smollm2-135m"
EDGE_MODEL = "smollm2-135m-instruct"


class Cloud:
    def __init__(self, state_dir: Path, port: int) -> None:
        self.state_dir = state_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = dict(
            os.environ,
            HYBRIDGATE_SERVER__STATE_DIR=str(state_dir),
            HYBRIDGATE_CLOUD__PORT=str(port),
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", "cloud", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=400,
        )

    def jobs(self) -> dict[str, int]:
        """The replica's scheduler counters (one replica), through Serve's proxy."""
        jobs: dict[str, int] = httpx.get(f"{self.url}/readyz", timeout=10).json()["jobs"]
        return jobs


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    cloud = Cloud(tmp_path_factory.mktemp("cloud-state"), free_port())
    up = cloud.cli("up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"{CLOUD_MODEL} ready at {cloud.url}/v1" in up.stdout
    yield cloud
    cloud.cli("down")


@pytest.fixture(scope="module")
def gateway(cloud: Cloud, edge_server: Service, log_dir: Path) -> Iterator[Service]:
    service = start_gateway(
        log_dir, edge_server.url, cloud.state_dir, HYBRIDGATE_BACKENDS__CLOUD__URL=cloud.url
    )
    yield service
    service.stop()


def client_for(service: Service, state_dir: Path) -> OpenAI:
    return OpenAI(base_url=f"{service.url}/v1", api_key=dev_token(state_dir), max_retries=0)


def ask(client: OpenAI, prompt: str, model: str = "auto") -> tuple[dict[str, str], str]:
    raw = client.chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=8
    )
    return dict(raw.headers), raw.parse().model


def test_cloud_serves_openai_directly(cloud: Cloud) -> None:
    models = httpx.get(f"{cloud.url}/v1/models").json()
    # The chat model, and the embeddings model the cloud leg's app serves too.
    assert [m["id"] for m in models["data"]] == [CLOUD_MODEL, EMBEDDING_MODEL]
    direct = OpenAI(base_url=f"{cloud.url}/v1", api_key="unused", max_retries=0)
    stream = direct.chat.completions.create(
        model=CLOUD_MODEL, messages=[{"role": "user", "content": "Hi"}], max_tokens=5, stream=True
    )
    chunks = list(stream)
    assert chunks
    assert all(chunk.model == CLOUD_MODEL for chunk in chunks)


def test_the_cloud_replica_decodes_concurrent_requests_together(cloud: Cloud) -> None:
    # The replica runs the edge's batching engine: four streams hold four slots at
    # once instead of queueing behind each other.
    body = {
        "model": CLOUD_MODEL,
        "prompt": "1, 2, 3, 4,",
        "max_tokens": 400,
        "temperature": 0,
        "stream": True,
    }
    with ExitStack() as streams:
        for _ in range(4):
            response = streams.enter_context(
                httpx.stream("POST", f"{cloud.url}/v1/completions", json=body, timeout=60)
            )
            lines = response.iter_lines()
            assert next(line for line in lines if line).startswith("data: {")
            # Held until the end: a dropped half-read iterator closes its stream.
            streams.callback(lines.close)
        ready = httpx.get(f"{cloud.url}/readyz", timeout=10).json()
    assert ready["slots_total"] == 8
    assert (ready["slots_busy"], ready["queue_depth"]) == (4, 0)


def test_a_complex_public_prompt_is_answered_by_the_cloud_model(
    gateway: Service, cloud: Cloud
) -> None:
    headers, model = ask(client_for(gateway, cloud.state_dir), COMPLEX)
    assert headers["x-hybridgate-route"] == "cloud"
    assert model == CLOUD_MODEL
    assert "x-hybridgate-fallback" not in headers


def test_a_sensitive_prompt_is_answered_by_the_edge_and_never_reaches_the_cloud(
    gateway: Service, cloud: Cloud
) -> None:
    client = client_for(gateway, cloud.state_dir)
    before = cloud.jobs()
    headers, model = ask(client, SENSITIVE)
    assert headers["x-hybridgate-route"] == "edge"
    assert model == EDGE_MODEL
    # Asking for the cloud by name does not move it there either.
    with pytest.raises(openai.PermissionDeniedError):
        ask(client, SENSITIVE, model="cloud")
    assert cloud.jobs() == before


def test_responses_for_a_complex_prompt_are_answered_by_the_cloud_streamed_and_not(
    gateway: Service, cloud: Cloud
) -> None:
    client = client_for(gateway, cloud.state_dir)
    params = {"model": "auto", "input": COMPLEX, "max_output_tokens": 8, "temperature": 0}
    raw = client.responses.with_raw_response.create(**params)  # type: ignore[call-overload]
    assert raw.headers["x-hybridgate-route"] == "cloud"
    whole = raw.parse()
    assert whole.model == CLOUD_MODEL
    assert whole.output_text
    streamed = client.responses.with_raw_response.create(**params, stream=True)  # type: ignore[call-overload]
    assert streamed.headers["x-hybridgate-route"] == "cloud"
    events = list(streamed.parse())
    assert events[-1].type in ("response.completed", "response.incomplete")
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == events[-1].response.output_text == whole.output_text


def test_a_sensitive_responses_request_is_answered_by_the_edge_and_never_reaches_the_cloud(
    gateway: Service, cloud: Cloud
) -> None:
    client = client_for(gateway, cloud.state_dir)
    before = cloud.jobs()
    raw = client.responses.with_raw_response.create(
        model="auto",
        instructions="You are a tax assistant.",
        input=[{"role": "user", "content": [{"type": "input_text", "text": SENSITIVE}]}],
        max_output_tokens=8,
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert raw.parse().model == EDGE_MODEL
    with pytest.raises(openai.PermissionDeniedError):
        client.responses.create(model="cloud", input=SENSITIVE, stream=True)
    assert cloud.jobs() == before


def test_a_client_disconnect_cancels_the_cloud_generation(gateway: Service, cloud: Cloud) -> None:
    before = cloud.jobs()["cancelled"]
    body = {
        "model": "cloud",
        "prompt": "1, 2, 3, 4, 5, 6, 7,",
        "max_tokens": 1500,
        "temperature": 0,
        "stream": True,
    }
    auth = {"Authorization": f"Bearer {dev_token(cloud.state_dir)}"}
    url = f"{gateway.url}/v1/completions"
    with httpx.stream("POST", url, json=body, headers=auth, timeout=60) as response:
        assert response.headers["x-hybridgate-route"] == "cloud"
        next(response.iter_lines())
    deadline = time.monotonic() + 60
    while cloud.jobs()["cancelled"] == before:
        assert time.monotonic() < deadline, "the cloud replica kept generating"
        time.sleep(0.2)


def test_with_the_edge_stopped_sensitive_requests_get_503_never_the_cloud(
    cloud: Cloud, log_dir: Path, tmp_path: Path
) -> None:
    edge = start_edge(log_dir)
    gateway = start_gateway(
        log_dir,
        edge.url,
        cloud.state_dir,
        HYBRIDGATE_BACKENDS__CLOUD__URL=cloud.url,
        # The module's gateway writes the audit log in that state dir.
        HYBRIDGATE_AUDIT__PATH=str(tmp_path / "audit.jsonl"),
    )
    try:
        client = client_for(gateway, cloud.state_dir)
        edge.stop()
        before = cloud.jobs()
        with pytest.raises(openai.InternalServerError) as refused:
            ask(client, SENSITIVE)
        assert refused.value.status_code == 503
        assert refused.value.response.headers["x-hybridgate-route"] == "edge"
        assert "edge" in refused.value.message
        assert cloud.jobs() == before
        # Work the policy does send to the cloud is unaffected.
        headers, model = ask(client, COMPLEX)
        assert (headers["x-hybridgate-route"], model) == ("cloud", CLOUD_MODEL)
    finally:
        gateway.stop()
        edge.stop()


def test_cloud_down_mid_test_falls_back_and_leaves_no_ray_process(
    gateway: Service, cloud: Cloud
) -> None:
    client = client_for(gateway, cloud.state_dir)
    assert ask(client, COMPLEX)[0]["x-hybridgate-route"] == "cloud"
    running = read_state(cloud.state_dir)
    assert running is not None
    ray_processes = session_members(running.pid)
    assert len(ray_processes) > 3  # driver, GCS, raylet, Serve controller, proxy, replica...

    down = cloud.cli("down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert session_members(running.pid) == []
    assert not [pid for pid in ray_processes if alive(pid)]

    headers, model = ask(client, COMPLEX)
    assert headers["x-hybridgate-route"] == "edge"
    assert headers["x-hybridgate-fallback"] == "cloud->edge"
    assert model == EDGE_MODEL
    headers, model = ask(client, SENSITIVE)
    assert (headers["x-hybridgate-route"], model) == ("edge", EDGE_MODEL)
    with pytest.raises(openai.PermissionDeniedError):
        ask(client, SENSITIVE, model="cloud")
    assert cloud.cli("down").stdout.strip() == "hybridgate cloud: was not running"
