"""`hybridgate up` in appliance mode (`cloud.local: false`, the image's setting): it
starts the edge server and the gateway only, and the gateway sends cloud-bound
requests to `backends.cloud.url` as configured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from gateway.cli.stack import COMPLEX_EXAMPLE
from tests.e2e.test_up import alive, children_of
from tests.fakes.upstream import FaultyUpstream, faulty_upstream
from tests.processes import free_port

pytestmark = pytest.mark.e2e


def appliance_env(state: Path, gateway_port: int, cloud: FaultyUpstream) -> dict[str, str]:
    """`hybridgate up` as the appliance runs it: no local cloud, a configured one."""
    return dict(
        os.environ,
        HYBRIDGATE_SERVER__PORT=str(gateway_port),
        HYBRIDGATE_EDGE__PORT=str(free_port()),
        HYBRIDGATE_SERVER__STATE_DIR=str(state),
        HYBRIDGATE_CLOUD__LOCAL="false",
        HYBRIDGATE_BACKENDS__CLOUD__URL=cloud.url,
        HYBRIDGATE_BACKENDS__CLOUD__MODEL=cloud.model,
    )


def test_up_runs_edge_and_gateway_and_uses_the_configured_cloud(tmp_path: Path) -> None:
    gateway_port = free_port()
    with faulty_upstream() as cloud:
        env = appliance_env(tmp_path / "state", gateway_port, cloud)
        log_path = tmp_path / "up.log"
        with log_path.open("wb") as log:
            up = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "up"], env=env, stdout=log, stderr=log
            )
            base = f"http://127.0.0.1:{gateway_port}"
            try:
                deadline = time.monotonic() + 180
                while time.monotonic() < deadline:
                    assert up.poll() is None, log_path.read_text()
                    try:
                        if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.3)
                children = children_of(up.pid)
                assert len(children) == 2  # edge server and gateway; no Ray
                token = subprocess.run(
                    [sys.executable, "-m", "gateway.cli", "dev-token", "--user", "alice"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.strip()
                client = OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0)
                raw = client.chat.completions.with_raw_response.create(
                    model="auto",
                    messages=[{"role": "user", "content": COMPLEX_EXAMPLE}],
                    max_tokens=5,
                )
                assert raw.headers["x-hybridgate-route"] == "cloud"
                assert raw.parse().model == cloud.model
                assert cloud.requests == 1
                assert f"{cloud.url}   (backends.cloud.url" in log_path.read_text()

                up.send_signal(signal.SIGTERM)
                assert up.wait(60) == 0
                assert not [pid for pid in children if alive(pid)]
            finally:
                if up.poll() is None:
                    up.kill()
                    up.wait()
