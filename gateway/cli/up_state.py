"""What `hybridgate up` shares with the commands that inspect or steer it, through files
in `server.state_dir`: `up.json`, its state (its own pid and one entry per component),
rewritten atomically on every change, and `up-control/`, one file per request to stop or
start a component, which `up` polls, carries out and deletes.

Files rather than a socket: nothing listens, nothing needs a port, and a stale file
left by a killed `up` is recognised by its pid.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, get_args

UP_FILE = "up.json"
CONTROL_DIR = "up-control"

# starting: launched, not yet ready; running: ready; restarting: exited (or hung and
# was killed) after it had been ready, waiting out its backoff; failed: exited before it
# became ready (a crash loop), waiting out its backoff; stopped: stopped on purpose,
# not restarted.
ComponentStatus = Literal["starting", "running", "restarting", "stopped", "failed"]
Action = Literal["stop", "start"]
ACTIONS: tuple[Action, ...] = get_args(Action)


@dataclass
class ComponentState:
    name: str
    url: str
    readyz: str  # what a probe on this host calls (a wildcard bind becomes loopback)
    pid: int | None = None
    state: ComponentStatus = "starting"
    restarts: int = 0
    last_exit: int | None = None


@dataclass
class UpState:
    pid: int
    components: list[ComponentState] = field(default_factory=list)

    def component(self, name: str) -> ComponentState | None:
        return next((c for c in self.components if c.name == name), None)


@dataclass(frozen=True)
class Request:
    component: str
    action: Action


def write_state(state_dir: Path, state: UpState) -> None:
    """Atomic: a reader sees the previous file or this one, never half of one."""
    state_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(state_dir / UP_FILE, asdict(state))


def read_state(state_dir: Path) -> UpState | None:
    """The last state `up` wrote, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((state_dir / UP_FILE).read_text())
        return UpState(
            pid=int(data["pid"]),
            components=[ComponentState(**c) for c in data["components"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_state(state_dir: Path) -> None:
    (state_dir / UP_FILE).unlink(missing_ok=True)


def running_up(state_dir: Path) -> UpState | None:
    """up.json's state when the `up` that wrote it is still alive; None otherwise (no
    file, or one left by an `up` that was killed)."""
    state = read_state(state_dir)
    return state if state is not None and is_up_process(state.pid) else None


def is_up_process(pid: int) -> bool:
    # A stale file's pid may since belong to an unrelated process: check it is alive,
    # not a zombie, and an `up` command (`up` takes no arguments of its own, so it is
    # the last one), not `cloud up` or `edge up`.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        argv = [arg for arg in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if arg]
    except (OSError, IndexError):
        return False
    return (
        stat[0] != "Z"
        and len(argv) >= 2
        and argv[-1] == b"up"
        and argv[-2] not in (b"cloud", b"edge")
    )


def send_request(state_dir: Path, request: Request) -> None:
    directory = state_dir / CONTROL_DIR
    directory.mkdir(parents=True, exist_ok=True)
    # Named by time first, so `up` carries requests out in the order they were made.
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex}.json"
    _write_atomically(directory / name, asdict(request))


def take_requests(state_dir: Path) -> list[Request]:
    """The pending requests, oldest first, each removed as it is read; malformed ones
    are dropped."""
    directory = state_dir / CONTROL_DIR
    try:
        paths = sorted(directory.glob("*.json"))
    except OSError:
        return []
    requests = []
    for path in paths:
        try:
            text = path.read_text()
            # Removed before it is parsed: a malformed one would otherwise come back.
            path.unlink()
            data = json.loads(text)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("action") in ACTIONS:
            requests.append(Request(component=str(data.get("component")), action=data["action"]))
    return requests


def clear_requests(state_dir: Path) -> None:
    """Requests left from an earlier `up` are not this one's to carry out."""
    for path in (state_dir / CONTROL_DIR).glob("*.json"):
        path.unlink(missing_ok=True)


def _write_atomically(path: Path, data: object) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(temporary, path)
