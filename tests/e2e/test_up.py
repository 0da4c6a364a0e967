"""`hybridgate up`: edge, local Ray Serve cloud and gateway start, answer, and stop on
Ctrl-C with no orphans (Ray's processes included); `cloud down|up` act on up's cloud."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from cloud.local import session_members
from gateway.cli.stack import COMPLEX_EXAMPLE
from tests.processes import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.ray]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 is the parent pid; the command name in field 2 may hold spaces.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie waiting for a reaper has already exited."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# A shell that starts a command in the background sets SIGINT to "ignore" in it;
# `up` must still stop on SIGINT then.
@pytest.mark.parametrize("inherit_ignored_sigint", [False, True])
def test_up_serves_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, inherit_ignored_sigint: bool
) -> None:
    gateway_port, edge_port, cloud_port = free_port(), free_port(), free_port()
    env = dict(
        os.environ,
        HYBRIDGATE_SERVER__PORT=str(gateway_port),
        HYBRIDGATE_EDGE__PORT=str(edge_port),
        HYBRIDGATE_CLOUD__PORT=str(cloud_port),
        HYBRIDGATE_SERVER__STATE_DIR=str(tmp_path / "state"),
    )
    log = (tmp_path / "up.log").open("wb")
    up = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "up"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=ignore_sigint if inherit_ignored_sigint else None,
    )
    base = f"http://127.0.0.1:{gateway_port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        token = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "dev-token", "--user", "alice"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        client = OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0)
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": "Say hello"}], max_tokens=10
        )
        assert raw.headers["x-hybridgate-route"] == "edge"
        assert raw.parse().choices[0].message.content
        # The README's complex example goes to the cloud leg this command started.
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": COMPLEX_EXAMPLE}], max_tokens=5
        )
        assert raw.headers["x-hybridgate-route"] == "cloud"
        assert raw.parse().model == "cloud-smollm2-135m"
        if not inherit_ignored_sigint:  # once is enough: each Ray start takes a while
            cloud_down_and_up_under_up(env, client, base)
        children = children_of(up.pid)
        assert len(children) == 3
        # Ray's processes live in the cloud child's session.
        everything = children + [p for c in children for p in session_members(c)]
        assert len(everything) > 6
        banner = (tmp_path / "up.log").read_text()
        assert f"{base}/v1" in banner
        assert f"http://127.0.0.1:{cloud_port}/v1" in banner
        assert "hybridgate dev-token" in banner
        assert COMPLEX_EXAMPLE in banner

        up.send_signal(signal.SIGINT)  # what Ctrl-C delivers to the parent
        assert up.wait(60) == 0
        for pid in everything:
            assert not alive(pid), f"process {pid} outlived hybridgate up"
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
        log.close()


def hybridgate(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )


def cloud_down_and_up_under_up(env: dict[str, str], client: OpenAI, base: str) -> None:
    """`cloud down` stops the cloud `up` started (and only it); the gateway keeps
    answering, a complex prompt falling back to the edge; `cloud up` brings it back."""
    down = hybridgate(env, "cloud", "down")
    assert down.returncode == 0, down.stderr
    assert "stopped under hybridgate up" in down.stdout
    status = json.loads(hybridgate(env, "status", "--json").stdout)
    by_name = {c["name"]: c for c in status["components"]}
    assert by_name["cloud"]["state"] == "stopped"
    assert by_name["cloud"]["pid"] is None
    assert by_name["edge"]["ready"]
    assert by_name["gateway"]["ready"]
    readyz = httpx.get(f"{base}/readyz", timeout=5)
    assert readyz.status_code == 200  # the cloud being down leaves the gateway ready
    assert readyz.json()["checks"] == {"edge": True, "cloud": False}
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Say hello"}], max_tokens=5
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": COMPLEX_EXAMPLE}], max_tokens=5
    )
    assert raw.headers["x-hybridgate-route"] == "edge"
    assert raw.headers["x-hybridgate-fallback"] == "cloud->edge"

    up = hybridgate(env, "cloud", "up")
    assert up.returncode == 0, up.stderr
    assert hybridgate(env, "status").returncode == 0
    assert httpx.get(f"{base}/readyz", timeout=5).json()["checks"]["cloud"] is True
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": COMPLEX_EXAMPLE}], max_tokens=5
    )
    assert raw.headers["x-hybridgate-route"] == "cloud"


def test_children_die_when_up_is_killed(tmp_path: Path) -> None:
    cloud_port = free_port()
    env = dict(
        os.environ,
        HYBRIDGATE_SERVER__PORT=str(free_port()),
        HYBRIDGATE_EDGE__PORT=str(free_port()),
        HYBRIDGATE_CLOUD__PORT=str(cloud_port),
        HYBRIDGATE_SERVER__STATE_DIR=str(tmp_path / "state"),
    )
    up = subprocess.Popen([sys.executable, "-m", "gateway.cli", "up"], env=env)
    try:
        # Wait for the cloud to be serving, so that Ray's whole process tree exists.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{cloud_port}/readyz", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        children = children_of(up.pid)
        everything = children + [p for c in children for p in session_members(c)]
        assert len(children) >= 2
        assert len(everything) > 6
    finally:
        up.kill()  # SIGKILL: `up` gets no chance to clean up
        up.wait()
    deadline = time.monotonic() + 60
    while any(alive(pid) for pid in everything) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in everything if alive(pid)]
