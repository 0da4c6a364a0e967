"""The local cloud: a Ray head on this machine running the cloud application.

`run` is the one way it runs: in the foreground, as the Ray driver, until SIGINT or
SIGTERM. Ray ties the processes `ray.init` starts to the driver, so stopping (or
killing) it takes the whole local cluster down. `start` runs `run` detached, in its
own session, and waits until the application answers; `stop` ends it and then
removes anything left in that session, so no Ray process outlives `cloud down`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from cloud.settings import CloudSettings
from edge.models import ModelFileError, resolve_model_path

STATE_FILE = "cloud.json"
LOG_FILE = "cloud.log"
STOP_TIMEOUT_S = 60.0


class CloudError(RuntimeError):
    """The local cloud could not start or stop; the message says why."""


def base_url(settings: CloudSettings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def wait_ready(settings: CloudSettings, process: subprocess.Popen[bytes] | None = None) -> None:
    """Polls the application's /readyz through Serve's proxy."""
    deadline = time.monotonic() + settings.startup_timeout_s
    url = f"{base_url(settings)}/readyz"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise CloudError(
                f"the local cloud exited with code {process.returncode} while starting"
            )
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise CloudError(
        f"the cloud application was not ready at {url} after {settings.startup_timeout_s:.0f}s"
    )


def _refuse_busy_port(settings: CloudSettings) -> None:
    # Serve's proxy would fail to bind in a worker process and the deploy would wait
    # forever; saying so up front is the clear error.
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            raise CloudError(f"{settings.host}:{settings.port} is in use ({exc.strerror})") from exc


def run(settings: CloudSettings) -> int:
    """Starts a local Ray head, deploys the application and serves until signalled."""
    _refuse_busy_port(settings)
    # A missing GGUF would otherwise surface as replicas failing in a loop inside Ray.
    try:
        resolve_model_path(settings.model_path)
    except ModelFileError as exc:
        raise CloudError(str(exc)) from exc
    # No telemetry calls home from an edge appliance (and there is no internet here).
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray
    from ray import serve

    from cloud.app import APP_NAME, build_application

    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    started = time.monotonic()
    ray.init(
        num_cpus=settings.ray_num_cpus or os.cpu_count() or 1,
        include_dashboard=False,
        object_store_memory=settings.ray_object_store_bytes,
        log_to_driver=True,
    )
    # After ray.init, which installs a SIGTERM handler of its own that dumps a stack
    # trace as if the process had crashed: stopping is the normal way to end.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        serve.start(http_options={"host": settings.host, "port": settings.port})
        serve.run(build_application(settings), name=APP_NAME, route_prefix="/", blocking=False)
        wait_ready(settings)
        print(
            f"hybridgate cloud: {settings.model_id} ready at {base_url(settings)}/v1 "
            f"after {time.monotonic() - started:.1f}s",
            flush=True,
        )
        # Polled: the signal handler runs between waits, never inside one.
        while not stopping.wait(0.5):
            pass
        return 0
    finally:
        try:
            serve.shutdown()  # type: ignore[no-untyped-call]
        finally:
            ray.shutdown()


@dataclass(frozen=True)
class Running:
    pid: int
    url: str


def _state_path(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def read_state(state_dir: Path) -> Running | None:
    try:
        data = json.loads(_state_path(state_dir).read_text())
        return Running(pid=int(data["pid"]), url=str(data["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _ours(pid: int) -> bool:
    # A stale state file's pid may since have gone to an unrelated process.
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"cloud" in argv and b"--foreground" in argv


def _stat(pid: int | str) -> list[str] | None:
    """/proc/PID/stat after the command name: state, ppid, pgrp, session, ...; None for
    a process that is gone or a zombie (it has exited; only its parent's wait is
    missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields


def _alive(pid: int) -> bool:
    return _stat(pid) is not None


def session_members(sid: int) -> list[int]:
    """Live processes in session `sid` (Linux /proc): what `start` launched, Ray's
    raylet, GCS and workers included."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(entry.name)) and int(fields[3]) == sid:
            members.append(int(entry.name))
    return members


def start(
    settings: CloudSettings, state_dir: Path, config: Path | None = None
) -> tuple[Running, float]:
    """Runs `cloud up --foreground` detached and waits until it answers. Returns the
    running cloud and the seconds it took to become ready."""
    running = read_state(state_dir)
    if running is not None and _alive(running.pid):
        raise CloudError(f"the local cloud is already running (pid {running.pid}, {running.url})")
    state_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "gateway.cli"]
    argv += ["--config", str(config)] if config else []
    argv += ["cloud", "up", "--foreground"]
    started = time.monotonic()
    with open(state_dir / LOG_FILE, "ab") as log:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Running(pid=process.pid, url=base_url(settings))
    _state_path(state_dir).write_text(json.dumps({"pid": running.pid, "url": running.url}))
    try:
        wait_ready(settings, process=process)
    except CloudError as exc:
        stop(state_dir)
        raise CloudError(f"{exc}; see {state_dir / LOG_FILE}") from exc
    return running, time.monotonic() - started


def stop(state_dir: Path, timeout_s: float = STOP_TIMEOUT_S) -> bool:
    """Stops the cloud `start` launched; False if none was running."""
    running = read_state(state_dir)
    if running is None:
        return False
    if _ours(running.pid):
        terminate(running.pid, timeout_s)
        kill_session(running.pid)
    _state_path(state_dir).unlink(missing_ok=True)
    return True


def terminate(leader: int, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM to the cloud's driver, which shuts Serve and Ray down in order."""
    if _alive(leader):
        os.kill(leader, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _alive(leader) and time.monotonic() < deadline:
            time.sleep(0.2)


def kill_session(leader: int) -> None:
    """SIGKILL to whatever is still in the session `leader` started, so nothing of
    the cloud outlives it (a hung driver included)."""
    deadline = time.monotonic() + 10.0
    while members := session_members(leader):
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            raise CloudError(f"processes {members} of the local cloud would not exit")
        time.sleep(0.1)
