"""`hybridgate status`, and `edge|cloud down|up` acting on the components a running
`hybridgate up` started: a request file for `up` (gateway.cli.up_state), then a wait
until up.json shows the component in its new state."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from typing import Any

from gateway.cli.child import READY_TIMEOUT_S, STOP_TIMEOUT_S, ready
from gateway.cli.settings import Settings
from gateway.cli.up_state import Action, Request, UpState, running_up, send_request

# Exit statuses of `hybridgate status`; 2 stays argparse's and configuration errors'.
READY, NOT_READY, NOT_RUNNING = 0, 1, 3
PROBE_TIMEOUT_S = 2.0
# A cloud's driver gets STOP_TIMEOUT_S after SIGINT, then Ray's leftovers are killed.
STOP_WAIT_S = STOP_TIMEOUT_S + 30.0
POLL_S = 0.25


def act_on_up(settings: Settings, component: str, action: Action) -> int | None:
    """Asks the running `up` to stop or start `component` and waits until it has. None
    when no `up` is running with that component, so the caller does what it does
    without one."""
    state_dir = settings.server.state_dir
    up = running_up(state_dir)
    current = up.component(component) if up is not None else None
    if up is None or current is None:
        return None
    done = "stopped" if action == "stop" else "running"
    if current.state == done:
        print(f"hybridgate {component}: already {done} under hybridgate up (pid {up.pid})")
        return 0
    send_request(state_dir, Request(component, action))
    timeout_s = STOP_WAIT_S if action == "stop" else _start_timeout(settings, component)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        up = running_up(state_dir)
        if up is None:
            print(f"hybridgate {component}: hybridgate up exited", file=sys.stderr)
            return 1
        now = up.component(component)
        if now is not None and now.state == done:
            where = f" at {now.url}" if action == "start" else ""
            print(f"hybridgate {component}: {done} under hybridgate up (pid {up.pid}){where}")
            return 0
    print(
        f"hybridgate {component}: not {done} after {timeout_s:.0f}s; "
        "`hybridgate status` and the output of hybridgate up say more",
        file=sys.stderr,
    )
    return 1


def _start_timeout(settings: Settings, component: str) -> float:
    # Generous: a restart may first wait out a backoff, and the cloud starts Ray.
    return (settings.cloud.startup_timeout_s if component == "cloud" else READY_TIMEOUT_S) + 30.0


def edge_down(args: argparse.Namespace, settings: Settings) -> int:
    return _edge(settings, "stop")


def edge_up(args: argparse.Namespace, settings: Settings) -> int:
    return _edge(settings, "start")


def _edge(settings: Settings, action: Action) -> int:
    result = act_on_up(settings, "edge", action)
    if result is None:
        print(
            "hybridgate edge: no hybridgate up is running (for this server.state_dir); "
            "a `hybridgate edge serve` of your own stops with Ctrl-C",
            file=sys.stderr,
        )
        return 1
    return result


def status(args: argparse.Namespace, settings: Settings) -> int:
    up = running_up(settings.server.state_dir)
    if up is None:
        if args.json:
            print(json.dumps({"up": None, "ready": False, "components": []}, indent=2))
        else:
            print("hybridgate up is not running", file=sys.stderr)
        return NOT_RUNNING
    report = describe(up)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"hybridgate up: pid {up.pid}; {'ready' if report['ready'] else 'NOT ready'}")
        for c in report["components"]:
            pid = c["pid"] if c["pid"] is not None else "-"
            exit_code = c["last_exit"] if c["last_exit"] is not None else "-"
            print(
                f"  {c['name']:<8} {c['state']:<10} ready={'yes' if c['ready'] else 'no ':<3}  "
                f"pid {pid}  restarts {c['restarts']}  last exit {exit_code}  {c['url']}"
            )
    return READY if report["ready"] else NOT_READY


def describe(up: UpState) -> dict[str, Any]:
    """up.json's view of each component plus a live probe of its /readyz. Ready when
    every component not stopped on purpose answers ready."""
    components = []
    for component in up.components:
        live = component.state != "stopped" and ready(component.readyz, PROBE_TIMEOUT_S)
        components.append({**asdict(component), "ready": live})
    expected = [c for c in components if c["state"] != "stopped"]
    return {
        "up": {"pid": up.pid},
        "ready": all(c["ready"] for c in expected),
        "components": components,
    }


def add_status_command(commands: Any) -> None:
    parser = commands.add_parser(
        "status",
        help="what a running `hybridgate up` runs, and whether each part is ready",
        description="Exit status: 0 every part not stopped on purpose is ready, 1 one is "
        "not, 3 no hybridgate up is running.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=status)
