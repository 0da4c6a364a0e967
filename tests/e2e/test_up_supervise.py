"""`hybridgate up` supervising its children, in appliance mode (`cloud.local: false`,
no Ray): a killed edge server is restarted; `edge down` keeps it down, `status` shows
it, and `edge up` brings it back, while the gateway keeps running (and is restarted
itself when it dies)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from gateway.cli.up_state import UpState, read_state
from tests.e2e.test_up import alive
from tests.e2e.test_up_appliance import appliance_env
from tests.fakes.upstream import faulty_upstream
from tests.processes import free_port

pytestmark = pytest.mark.e2e

TIMEOUT_S = 120.0


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    state_dir: Path
    base: str
    log_path: Path

    def state(self) -> UpState:
        state = read_state(self.state_dir)
        assert state is not None, self.log_path.read_text()
        return state

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gateway.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S + 60,
        )

    def wait_for(self, what: str, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not condition():
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, f"{what}; log:\n{self.log_path.read_text()}"
            time.sleep(0.2)

    def gateway_ready(self) -> bool:
        try:
            return httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def all_running(self) -> bool:
        state = read_state(self.state_dir)
        return state is not None and all(c.state == "running" for c in state.components)

    def answers(self) -> None:
        token = self.cli("dev-token", "--user", "alice").stdout.strip()
        client = OpenAI(base_url=f"{self.base}/v1", api_key=token, max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "Say hello"}], max_tokens=5
        )
        assert raw.headers["x-hybridgate-route"] == "edge"
        assert raw.parse().choices[0].message.content


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    gateway_port = free_port()
    with faulty_upstream() as cloud:
        env = appliance_env(tmp_path / "state", gateway_port, cloud)
        log_path = tmp_path / "up.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "up"], env=env, stdout=log, stderr=log
            )
            running = Up(
                process, env, tmp_path / "state", f"http://127.0.0.1:{gateway_port}", log_path
            )
            try:
                running.wait_for("the gateway gets ready", running.gateway_ready)
                running.wait_for("up.json shows all running", running.all_running)
                yield running
                process.send_signal(signal.SIGTERM)
                assert process.wait(60) == 0
                assert read_state(tmp_path / "state") is None  # removed on the way out
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()


def component(up: Up, name: str) -> dict[str, object]:
    found = up.state().component(name)
    assert found is not None
    return found.__dict__


def test_a_killed_edge_server_is_restarted(up: Up) -> None:
    state = up.state()
    assert state.pid == up.process.pid
    assert [(c.name, c.state) for c in state.components] == [
        ("edge", "running"),
        ("gateway", "running"),
    ]
    old_pid = component(up, "edge")["pid"]
    assert isinstance(old_pid, int)

    os.kill(old_pid, signal.SIGKILL)
    up.wait_for(
        "the edge server is restarted",
        lambda: (
            component(up, "edge")["state"] == "running"
            and component(up, "edge")["pid"] not in (None, old_pid)
        ),
    )
    edge = component(up, "edge")
    assert edge["restarts"] == 1
    assert edge["last_exit"] == -signal.SIGKILL
    assert not alive(old_pid)
    up.wait_for("the gateway is ready again", up.gateway_ready)
    up.answers()
    log = up.log_path.read_text()
    assert f"edge exited with code {-signal.SIGKILL}; restarting in 1s" in log
    assert "restarting edge (restart 1)" in log
    assert up.process.poll() is None


def test_edge_down_keeps_it_down_until_edge_up(up: Up) -> None:
    status = up.cli("status")
    assert status.returncode == 0, status.stderr
    assert "edge" in status.stdout
    assert "gateway" in status.stdout

    down = up.cli("edge", "down")
    assert down.returncode == 0, down.stderr
    assert "stopped" in down.stdout
    old_pid = up.state().components[0].pid
    # Longer than the first backoff: a crash would have been restarted by now.
    time.sleep(3)
    edge = component(up, "edge")
    assert edge["state"] == "stopped"
    assert edge["pid"] is None
    assert edge["restarts"] == 0
    assert old_pid is None or not alive(old_pid)

    status = up.cli("status", "--json")
    assert status.returncode == 1  # the gateway is not ready without its edge
    report = json.loads(status.stdout)
    assert report["up"] == {"pid": up.process.pid}
    by_name = {c["name"]: c for c in report["components"]}
    assert by_name["edge"]["state"] == "stopped"
    assert by_name["edge"]["ready"] is False
    assert by_name["gateway"]["state"] == "running"
    assert by_name["gateway"]["ready"] is False
    readyz = httpx.get(f"{up.base}/readyz", timeout=5)
    assert readyz.status_code == 503
    assert readyz.json()["checks"] == {"edge": False, "cloud": True}
    again = up.cli("edge", "down")
    assert again.returncode == 0
    assert "already stopped" in again.stdout

    # A gateway that dies meanwhile comes back though its /readyz is 503 without the edge.
    gateway_pid = component(up, "gateway")["pid"]
    assert isinstance(gateway_pid, int)
    os.kill(gateway_pid, signal.SIGKILL)
    up.wait_for(
        "the gateway is restarted",
        lambda: (
            component(up, "gateway")["state"] == "running"
            and component(up, "gateway")["pid"] not in (None, gateway_pid)
        ),
    )
    assert component(up, "gateway")["restarts"] == 1
    assert component(up, "edge")["state"] == "stopped"

    started = up.cli("edge", "up")
    assert started.returncode == 0, started.stderr
    assert component(up, "edge")["state"] == "running"
    up.wait_for("the gateway is ready again", up.gateway_ready)
    up.answers()
    status = up.cli("status")
    assert status.returncode == 0, status.stdout + status.stderr


def test_status_and_edge_commands_without_up(tmp_path: Path) -> None:
    env = dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=str(tmp_path))
    cli = [sys.executable, "-m", "gateway.cli"]
    status = subprocess.run([*cli, "status"], env=env, capture_output=True, text=True)
    assert status.returncode == 3
    assert "not running" in status.stderr
    down = subprocess.run([*cli, "edge", "down"], env=env, capture_output=True, text=True)
    assert down.returncode == 1
    assert "no hybridgate up is running" in down.stderr
