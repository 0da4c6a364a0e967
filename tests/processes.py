"""Starts hybridgate commands as real processes for integration and end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

READY_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service:
    """A `hybridgate ...` child process with its log captured to a file."""

    def __init__(self, args: Sequence[str], port: int, log_dir: Path, env: dict[str, str]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_dir / f"{'-'.join(args[:2])}-{port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **env),
        )

    def wait_ready(self, path: str = "/readyz", timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"exited early; log:\n{self.log()}")
            try:
                if httpx.get(self.url + path, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"not ready after {timeout_s}s; log:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def dev_token(state_dir: Path, user: str = "tester", **claims: object) -> str:
    """A token from the dev issuer whose key lives in `state_dir`, as `dev-token` mints."""
    from gateway.auth.config import DevAuthSettings
    from gateway.auth.dev import load_or_create_key, mint_dev_token

    options: dict[str, object] = {"roles": [], "scopes": ["access_as_user"], "ttl_s": 600}
    options.update(claims)
    return mint_dev_token(
        load_or_create_key(state_dir),
        DevAuthSettings(),
        user=user,
        **options,  # type: ignore[arg-type]
    )


def start_edge(log_dir: Path, **env: str) -> Service:
    port = free_port()
    service = Service(["edge", "serve", "--port", str(port)], port, log_dir, env)
    service.wait_ready()
    return service


def start_gateway(log_dir: Path, edge_url: str, state_dir: Path, **env: str) -> Service:
    port = free_port()
    env = {
        "HYBRIDGATE_BACKENDS__EDGE__URL": edge_url,
        "HYBRIDGATE_SERVER__STATE_DIR": str(state_dir),
        **env,
    }
    service = Service(["serve", "--port", str(port)], port, log_dir, env)
    service.wait_ready()
    return service
