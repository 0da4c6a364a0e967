"""The supervision of `up`'s children: the backoff schedule, and restarts, stops and
starts on small real processes (no servers; readiness is a port nothing listens on,
except where a test serves one: a child that answers until it is stopped, for hangs)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.cli.supervisor import (
    PROBE_INTERVAL_S,
    UNREADY_LIMIT_S,
    Backoff,
    Component,
    Spec,
    Supervisor,
)
from gateway.cli.up_state import Request, read_state, send_request
from tests.processes import free_port


def test_backoff_doubles_to_the_cap() -> None:
    backoff = Backoff(initial_s=1.0, cap_s=30.0, stable_after_s=60.0)
    assert [backoff.after_exit(uptime_s=0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_starts_over_after_a_stable_run() -> None:
    backoff = Backoff(initial_s=1.0, cap_s=30.0, stable_after_s=60.0)
    assert [backoff.after_exit(uptime_s=1.0) for _ in range(3)] == [1, 2, 4]
    assert backoff.after_exit(uptime_s=60.0) == 1
    assert backoff.after_exit(uptime_s=59.0) == 2
    backoff.reset()
    assert backoff.after_exit(uptime_s=0.0) == 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def spec(name: str, code: str, ready_timeout_s: float = 60.0) -> Spec:
    readyz = f"http://127.0.0.1:{free_port()}/readyz"  # nothing listens: never ready
    argv = [sys.executable, "-c", code]
    return Spec(name, argv, dict(os.environ), "http://x", readyz, ready_timeout_s)


@pytest.fixture
def components() -> Iterator[list[Component]]:
    made: list[Component] = []
    yield made
    for component in made:
        component.stop()


def wait_for_exit(component: Component) -> None:
    deadline = time.monotonic() + 30
    while component._child is not None and component._child.process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_an_exited_child_is_restarted_after_its_backoff(
    components: list[Component], capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    component = Component(spec("edge", "raise SystemExit(3)"), clock)
    components.append(component)
    component.start()
    first_pid = component.state.pid
    wait_for_exit(component)
    component.tick()
    assert component.state.state == "failed"  # it never became ready
    assert component.state.last_exit == 3
    assert component.state.pid is None
    assert "edge exited with code 3; restarting in 1s" in capsys.readouterr().err
    component.tick()
    assert component.state.state == "failed"  # the backoff is not over
    clock.now += 1.0
    component.tick()
    assert component.state.state == "starting"
    assert component.state.restarts == 1
    assert component.state.pid not in (None, first_pid)
    assert "restarting edge (restart 1)" in capsys.readouterr().err
    wait_for_exit(component)
    component.tick()
    assert "restarting in 2s" in capsys.readouterr().err  # doubled


def test_a_child_that_never_gets_ready_is_stopped_and_retried(
    components: list[Component],
) -> None:
    clock = Clock()
    component = Component(spec("cloud", "import time; time.sleep(60)", 5.0), clock)
    components.append(component)
    component.start()
    process = component._child.process  # type: ignore[union-attr]
    clock.now += 6.0
    component.tick()
    assert process.poll() is not None
    assert component.state.state == "failed"


def test_a_running_child_that_dies_is_restarting(components: list[Component]) -> None:
    component = Component(spec("edge", "import time; time.sleep(60)"), Clock())
    components.append(component)
    component.start()
    component.state.state = "running"  # as if its /readyz had answered
    component._child.process.kill()  # type: ignore[union-attr]
    wait_for_exit(component)
    component.tick()
    assert component.state.state == "restarting"
    assert component.state.last_exit == -9


def test_stop_and_start_requests_through_the_state_dir(
    tmp_path: Path, components: list[Component]
) -> None:
    clock = Clock()
    edge = Component(spec("edge", "import time; time.sleep(60)"), clock)
    gateway_spec = replace(spec("gateway", "import time; time.sleep(60)"), stoppable=False)
    gateway = Component(gateway_spec, clock)
    components.extend([edge, gateway])
    supervisor = Supervisor([edge, gateway], tmp_path, pid=os.getpid())
    edge.start()
    gateway.start()
    supervisor.tick()
    state = read_state(tmp_path)
    assert state is not None
    assert state.pid == os.getpid()
    assert [c.state for c in state.components] == ["starting", "starting"]

    send_request(tmp_path, Request("edge", "stop"))
    send_request(tmp_path, Request("gateway", "stop"))  # refused: stops only with up
    send_request(tmp_path, Request("cloud", "stop"))  # not one of up's: ignored
    supervisor.tick()
    state = read_state(tmp_path)
    assert state is not None
    assert [(c.name, c.state, c.pid) for c in state.components] == [
        ("edge", "stopped", None),
        ("gateway", "starting", gateway.state.pid),
    ]
    clock.now += 120.0
    supervisor.tick()  # stopped on purpose: no restart however long it waits
    assert edge.state.state == "stopped"
    assert edge.state.restarts == 0

    send_request(tmp_path, Request("edge", "start"))
    supervisor.tick()
    state = read_state(tmp_path)
    assert state is not None
    assert state.components[0].state == "starting"
    assert state.components[0].pid is not None
    assert state.components[0].restarts == 0  # a start on request is no restart


def test_a_child_that_cannot_be_launched_is_retried(
    tmp_path: Path, components: list[Component]
) -> None:
    clock = Clock()
    component = Component(spec("edge", "raise SystemExit(1)"), clock)
    components.append(component)
    component.start()
    wait_for_exit(component)
    component.tick()
    missing = replace(component.spec, argv=[str(tmp_path / "no-such-program")])
    component.spec = missing
    clock.now += 1.0
    component.tick()  # the launch fails: up goes on, and it is retried later
    assert component.state.state == "failed"
    assert component.state.restarts == 1
    clock.now += 2.0
    component.tick()
    assert component.state.restarts == 2


# A child that answers its readiness probe until it is stopped (SIGSTOP): alive, and
# answering nothing, as a hung server is.
SERVER = """
import http.server, sys
class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ready).serve_forever()
"""


def serving(name: str) -> Spec:
    port = free_port()
    argv = [sys.executable, "-c", SERVER, str(port)]
    readyz = f"http://127.0.0.1:{port}/readyz"
    return Spec(name, argv, dict(os.environ), "http://x", readyz, ready_timeout_s=60.0)


def tick_until(component: Component, state: str) -> None:
    deadline = time.monotonic() + 30
    while component.state.state != state:
        assert time.monotonic() < deadline, f"never {state}: {component.state}"
        component.tick()
        time.sleep(0.05)


@pytest.fixture
def stopped() -> Iterator[list[int]]:
    """Pids a test stops: continued at the end, so that none is left stopped."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def test_a_running_child_that_hangs_is_killed_and_restarted(
    components: list[Component], stopped: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    component = Component(serving("edge"), clock)
    components.append(component)
    component.start()
    tick_until(component, "running")
    hung = component.state.pid
    assert hung is not None
    os.kill(hung, signal.SIGSTOP)
    stopped.append(hung)
    clock.now += PROBE_INTERVAL_S
    component.tick()  # the first probe without an answer: not yet a hang
    assert (component.state.state, component.state.pid) == ("running", hung)
    clock.now += UNREADY_LIMIT_S
    component.tick()
    assert component.state.state == "restarting"
    assert component.state.last_exit == -signal.SIGKILL
    with pytest.raises(ProcessLookupError):
        os.kill(hung, 0)  # gone, and reaped
    err = capsys.readouterr().err
    probe = component.spec.readyz
    assert f"edge did not answer {probe} for 60s; killed it; restarting in 1s" in err
    clock.now += 1.0
    tick_until(component, "running")
    assert component.state.restarts == 1
    assert component.state.pid not in (None, hung)
    assert "restarting edge (restart 1)" in capsys.readouterr().err


def test_a_child_unready_for_less_than_the_limit_is_left_alone(
    components: list[Component], stopped: list[int]
) -> None:
    clock = Clock()
    component = Component(serving("cloud"), clock)
    components.append(component)
    component.start()
    tick_until(component, "running")
    pid = component.state.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    stopped.append(pid)
    clock.now += PROBE_INTERVAL_S
    component.tick()  # unanswered
    os.kill(pid, signal.SIGCONT)  # busy for a while, then answering again
    clock.now += UNREADY_LIMIT_S
    component.tick()  # answered: the time unready starts over
    clock.now += PROBE_INTERVAL_S
    component.tick()
    assert (component.state.state, component.state.pid) == ("running", pid)
    assert component.state.restarts == 0


def test_a_gateway_is_probed_on_its_started_url() -> None:
    gateway = replace(serving("gateway"), started_url="http://127.0.0.1:1/healthz")
    assert gateway.probe_url == "http://127.0.0.1:1/healthz"
    assert serving("edge").probe_url.endswith("/readyz")
