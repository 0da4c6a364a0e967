"""`hybridgate up`: runs the edge server, the local Ray Serve cloud and the gateway as
child processes, in the foreground, until Ctrl-C or SIGTERM; then stops all three,
leaving nothing behind. With `cloud.local: false` (the edge appliance) it runs the
edge server and the gateway only, and the gateway uses the configured cloud URL.

Once all are up, a child that exits or hangs is restarted (gateway.cli.supervisor),
and the state of each is in `<server.state_dir>/up.json` (gateway.cli.up_state).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from types import FrameType

from gateway.cli.child import READY_TIMEOUT_S, StackError
from gateway.cli.settings import Settings
from gateway.cli.supervisor import UNREADY_LIMIT_S, Component, Spec, Supervisor
from gateway.cli.up_state import clear_requests, remove_state, running_up
from gateway.healthcheck import readyz_url

# The quickstart's example (README) of a prompt the default policy sends to the cloud.
COMPLEX_EXAMPLE = (
    "Compare the trade-offs between optimistic and pessimistic locking in a distributed "
    "database, and explain step by step when each one is the better choice."
)


class _Stopped(Exception):
    """SIGINT or SIGTERM to the parent, turned into an exception so `finally` blocks run."""


def _url(host: str, port: int) -> str:
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def run_stack(settings: Settings, config: Path | None) -> int:
    state_dir = settings.server.state_dir
    other = running_up(state_dir)
    if other is not None:
        print(
            f"hybridgate up: already running (pid {other.pid}); `hybridgate status` shows it",
            file=sys.stderr,
        )
        return 1
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
    edge = Component(
        Spec("edge", [*base, "edge", "serve"], env, edge_url, f"{edge_url}/readyz", READY_TIMEOUT_S)
    )
    cloud = Component(
        Spec(
            "cloud",
            [*base, "cloud", "up", "--foreground"],
            env,
            cloud_url,
            f"{cloud_url}/readyz",
            settings.cloud.startup_timeout_s,
            own_session=True,
            # Ray Serve restarts a failed replica itself, loading its model again:
            # unready for as long as a start may take before it counts as hung.
            unready_limit_s=max(UNREADY_LIMIT_S, settings.cloud.startup_timeout_s),
        )
    )
    gateway_readyz = readyz_url(settings.server.host, settings.server.port)
    gateway = Component(
        Spec(
            "gateway",
            [*base, "serve"],
            env,
            gateway_url,
            gateway_readyz,
            READY_TIMEOUT_S,
            stoppable=False,
            started_url=gateway_readyz.removesuffix("/readyz") + "/healthz",
        )
    )
    supervisor = Supervisor(
        [edge, cloud, gateway] if local_cloud else [edge, gateway], state_dir, os.getpid()
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stopped()

    # Installed explicitly: a shell starting us in the background sets SIGINT to
    # "ignore", which Python would otherwise inherit, and Ctrl-C would do nothing.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        clear_requests(state_dir)
        # Edge and cloud load their models side by side; the gateway comes last. A
        # failure here ends `up`: a child that cannot start once would only loop.
        legs = [edge, cloud] if local_cloud else [edge]
        for component in legs:
            component.start()
            supervisor.publish()
        for component in legs:
            component.wait_ready()
            supervisor.publish()
        gateway.start()
        supervisor.publish()
        gateway.wait_ready()
        supervisor.publish()
        audit = settings.audit
        _print_banner(
            gateway_url,
            edge_url,
            f"{cloud_url}/v1   (Ray Serve on a local Ray head)"
            if local_cloud
            else f"{cloud_url}   (backends.cloud.url; not started here)",
            settings.auth.mode,
            audit.resolved_path(state_dir) if audit.enabled else None,
        )
        supervisor.run()
    except StackError as exc:
        print(f"hybridgate up: {exc}", file=sys.stderr)
        return 1
    except _Stopped:
        return 0
    finally:
        # A second Ctrl-C must not interrupt the clean-up and orphan a child.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        supervisor.stop_all()
        remove_state(state_dir)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
{audit_hint}`hybridgate status` shows each part; one that exits or hangs is restarted.
Ctrl-C stops everything.
""",
        flush=True,
    )
