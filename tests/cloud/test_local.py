"""`hybridgate cloud up|down` failure paths that need no Ray; tests/e2e/test_cloud.py
runs the real thing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cloud.app import deployment_options
from cloud.local import read_state
from cloud.settings import CloudSettings


def cloud_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "cloud", *args],
        env=dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_model_is_refused_before_ray_starts(tmp_path: Path) -> None:
    done = cloud_cli(
        tmp_path, "up", "--foreground", HYBRIDGATE_CLOUD__MODEL_PATH=str(tmp_path / "no.gguf")
    )
    assert done.returncode == 1
    assert "no.gguf" in done.stderr


def test_a_busy_port_is_refused_with_its_address(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = cloud_cli(tmp_path, "up", "--foreground", "--port", str(port))
    assert done.returncode == 1
    assert f"127.0.0.1:{port} is in use" in done.stderr


def test_down_without_a_cloud_says_so(tmp_path: Path) -> None:
    done = cloud_cli(tmp_path, "down")
    assert done.returncode == 0
    assert done.stdout.strip() == "hybridgate cloud: was not running"


def test_down_never_signals_a_stale_pid_that_is_not_the_cloud(tmp_path: Path) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "cloud.json").write_text(
            json.dumps({"pid": bystander.pid, "url": "http://127.0.0.1:1"})
        )
        done = cloud_cli(tmp_path, "down")
        assert done.returncode == 0
        assert bystander.poll() is None
        assert read_state(tmp_path) is None
    finally:
        bystander.kill()
        bystander.wait()


def test_a_public_bind_is_refused() -> None:
    with pytest.raises(ValueError, match="loopback"):
        CloudSettings(host="0.0.0.0")


def test_replicas_or_autoscaling_come_from_config() -> None:
    fixed = deployment_options(CloudSettings(num_replicas=2))
    assert fixed["num_replicas"] == 2
    assert "autoscaling_config" not in fixed
    scaled = deployment_options(
        CloudSettings.model_validate({"autoscaling": {"min_replicas": 1, "max_replicas": 3}})
    )
    assert "num_replicas" not in scaled
    assert scaled["autoscaling_config"]["max_replicas"] == 3
    # The engine's queue, not Serve's, decides when to answer 429.
    settings = CloudSettings()
    assert scaled["max_ongoing_requests"] == settings.parallel + settings.queue_size


def test_autoscaling_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="min_replicas"):
        CloudSettings.model_validate({"autoscaling": {"min_replicas": 3, "max_replicas": 1}})
