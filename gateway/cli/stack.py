"""`hybridgate up`: runs the edge server, the local Ray Serve cloud and the gateway as
child processes, in the foreground, until Ctrl-C or SIGTERM; then stops all three,
leaving nothing behind. With `cloud.local: false` (the edge appliance) it runs the
edge server and the gateway only, and the gateway uses the configured cloud URL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import httpx

from gateway.cli.settings import Settings
from gateway.healthcheck import readyz_url

READY_TIMEOUT_S = 180.0
PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_S = 15.0
# The quickstart's example (README) of a prompt the default policy sends to the cloud.
COMPLEX_EXAMPLE = (
    "Compare the trade-offs between optimistic and pessimistic locking in a distributed "
    "database, and explain step by step when each one is the better choice."
)


class StackError(RuntimeError):
    """A child failed to start or died; the message names it."""


class _Stopped(Exception):
    """SIGINT or SIGTERM to the parent, turned into an exception so `finally` blocks run."""


def _url(host: str, port: int) -> str:
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def _die_with_parent() -> None:
    """Runs in the child before exec: if `up` itself is killed (SIGKILL, OOM), the
    kernel sends the child SIGTERM instead of leaving it orphaned. Linux only."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    def __init__(
        self, name: str, argv: Sequence[str], env: dict[str, str], own_session: bool = False
    ) -> None:
        self.name = name
        # The cloud gets a session of its own so that, once it has stopped, whatever
        # Ray left in that session can be found and removed.
        self.own_session = own_session
        self.process = subprocess.Popen(
            argv, env=env, preexec_fn=_die_with_parent, start_new_session=own_session
        )

    def wait_ready(self, url: str, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"{self.name} exited with code {self.process.returncode}")
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise StackError(f"{self.name} was not ready at {url} after {timeout_s:.0f}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.own_session:
            from cloud.local import kill_session

            kill_session(self.process.pid)


def run_stack(settings: Settings, config: Path | None) -> int:
    base = [sys.executable, "-m", "gateway.cli"] + (["--config", str(config)] if config else [])
    local_cloud = settings.cloud.local
    edge_url = _url(settings.edge.host, settings.edge.port)
    cloud_url = (
        _url(settings.cloud.host, settings.cloud.port)
        if local_cloud
        else str(settings.backends.cloud.url).rstrip("/")
    )
    gateway_url = _url(settings.server.host, settings.server.port)
    # The gateway talks to the edge and cloud this command starts, whatever the
    # config says.
    env = dict(os.environ, HYBRIDGATE_BACKENDS__EDGE__URL=edge_url)
    if local_cloud:
        env["HYBRIDGATE_BACKENDS__CLOUD__URL"] = cloud_url
    children: list[Child] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stopped()

    # Installed explicitly: a shell starting us in the background sets SIGINT to
    # "ignore", which Python would otherwise inherit, and Ctrl-C would do nothing.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # Edge and cloud load their models side by side; the gateway comes last.
        edge = Child("edge server", [*base, "edge", "serve"], env)
        children.append(edge)
        if local_cloud:
            cloud = Child("cloud", [*base, "cloud", "up", "--foreground"], env, own_session=True)
            children.append(cloud)
        edge.wait_ready(f"{edge_url}/readyz")
        if local_cloud:
            cloud.wait_ready(f"{cloud_url}/readyz", settings.cloud.startup_timeout_s)
        children.append(Child("gateway", [*base, "serve"], env))
        children[-1].wait_ready(readyz_url(settings.server.host, settings.server.port))
        audit = settings.audit
        _print_banner(
            gateway_url,
            edge_url,
            f"{cloud_url}/v1   (Ray Serve on a local Ray head)"
            if local_cloud
            else f"{cloud_url}   (backends.cloud.url; not started here)",
            settings.auth.mode,
            audit.resolved_path(settings.server.state_dir) if audit.enabled else None,
        )
        return _supervise(children)
    except StackError as exc:
        print(f"hybridgate up: {exc}", file=sys.stderr)
        return 1
    except _Stopped:
        return 0
    finally:
        # A second Ctrl-C must not interrupt the clean-up and orphan a child.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        for child in reversed(children):
            child.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _supervise(children: list[Child]) -> int:
    while True:
        for child in children:
            code = child.process.poll()
            if code is not None:
                print(f"hybridgate up: {child.name} exited with code {code}", file=sys.stderr)
                return code or 1
        time.sleep(0.5)


def _print_banner(
    gateway_url: str, edge_url: str, cloud: str, auth_mode: str, audit: Path | None
) -> None:
    token_hint = (
        "Auth is in dev mode: get a token from the local dev issuer, then call:\n"
        "  TOKEN=$(.venv/bin/hybridgate dev-token --user dev)"
        if auth_mode == "dev"
        else "Auth is in entra mode: use an Entra ID access token for this API:\n"
        "  TOKEN=<access token>"
    )
    audit_hint = (
        f"Every request is in the audit log {audit}:\n"
        "  .venv/bin/hybridgate audit verify; .venv/bin/hybridgate report\n"
        if audit is not None
        else ""
    )
    call = (
        f'  curl -s {gateway_url}/v1/chat/completions -H "Authorization: Bearer $TOKEN" \\\n'
        "    -H 'content-type: application/json' \\\n"
        '    -d \'{"model": "auto", "messages": [{"role": "user", "content": "%s"}]}\''
    )
    print(
        f"""
hybridgate is up.
  gateway      {gateway_url}/v1   (OpenAI-compatible; models: auto, edge, cloud)
  edge server  {edge_url}/v1
  cloud        {cloud}
{token_hint}
A simple prompt runs on the edge:
{call % "What is the capital of Japan?"}
A complex, non-sensitive one goes to the cloud (see x-hybridgate-route with curl -i):
{call % COMPLEX_EXAMPLE}
{audit_hint}Ctrl-C stops everything.
""",
        flush=True,
    )
