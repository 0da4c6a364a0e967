"""`hybridgate up`'s supervision once its children are up: a child that exits without
being asked to is started again after a backoff, and so is one that hangs (alive, but
unready for `Spec.unready_limit_s`: it is killed first); one stopped on request
(`hybridgate edge down`, `cloud down`) stays down until it is started again (`edge up`,
`cloud up`). Every change is published in up.json (gateway.cli.up_state) and logged on
stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NoReturn

from gateway.cli.child import Child, ready
from gateway.cli.up_state import ComponentState, Request, UpState, take_requests, write_state

INITIAL_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
# A child that stayed up this long before it exited starts its backoff over: it was
# not crash-looping.
STABLE_AFTER_S = 60.0
TICK_S = 0.25
# A readiness probe inside the loop: short, since it delays noticing the others.
PROBE_TIMEOUT_S = 1.0
# How often a running child's readiness is probed, to notice a hang.
PROBE_INTERVAL_S = 5.0
# How long a running child may stay unready before it counts as hung. The edge and the
# gateway answer their probes from an event loop that never waits on generation, so a
# minute without an answer is a hang, not load.
UNREADY_LIMIT_S = 60.0


@dataclass
class Backoff:
    """Exponential: 1, 2, 4, ... seconds up to a cap, for consecutive quick exits."""

    initial_s: float = INITIAL_BACKOFF_S
    cap_s: float = MAX_BACKOFF_S
    stable_after_s: float = STABLE_AFTER_S
    failures: int = 0

    def after_exit(self, uptime_s: float) -> float:
        """The delay before the next start of a child that ran `uptime_s` seconds."""
        if uptime_s >= self.stable_after_s:
            self.failures = 0
        self.failures += 1
        return min(self.cap_s, self.initial_s * 2.0 ** (self.failures - 1))

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True)
class Spec:
    name: str
    argv: Sequence[str]
    env: dict[str, str]
    url: str
    readyz: str
    ready_timeout_s: float
    own_session: bool = False
    # The gateway stops only with `up` itself: without it nothing serves at all.
    stoppable: bool = True
    # What a restarted child must answer 200 on to count as running, when not its
    # readyz: the gateway's /readyz depends on the edge, and a gateway restarted while
    # the edge is down must not be taken for one that cannot start.
    started_url: str | None = None
    # How long it may stay unready once running before it is killed and restarted.
    unready_limit_s: float = UNREADY_LIMIT_S

    @property
    def probe_url(self) -> str:
        """What it must keep answering 200 on: its started_url where it has one, so that
        a gateway waiting for a restarted edge is not taken for a hung one."""
        return self.started_url or self.readyz


def log(message: str) -> None:
    print(f"hybridgate up: {message}", file=sys.stderr, flush=True)


class Component:
    """One child of `up` across its restarts, and its published state."""

    def __init__(self, spec: Spec, clock: Callable[[], float] = time.monotonic) -> None:
        self.spec = spec
        self.state = ComponentState(name=spec.name, url=spec.url, readyz=spec.readyz)
        self.backoff = Backoff()
        self._clock = clock
        self._child: Child | None = None
        self._started_at = 0.0
        self._restart_at = 0.0
        self._probe_at = 0.0
        self._unready_since: float | None = None

    def start(self) -> None:
        self._child = Child(self.spec.name, self.spec.argv, self.spec.env, self.spec.own_session)
        self._started_at = self._clock()
        self._probe_at = self._started_at + PROBE_INTERVAL_S
        self._unready_since = None
        self.state.pid = self._child.process.pid
        self.state.state = "starting"

    def wait_ready(self) -> None:
        """Blocks until ready; raises StackError if the child exits first (first launch)."""
        assert self._child is not None
        self._child.wait_ready(self.spec.readyz, self.spec.ready_timeout_s)
        self.state.state = "running"

    def stop(self) -> None:
        """Stops the child on purpose: it is not restarted until `start`."""
        if self._child is not None:
            self._child.stop()
            self.state.last_exit = self._child.process.returncode
            self._child = None
        self.state.pid = None
        self.state.state = "stopped"

    def tick(self) -> None:
        """One look at the child: notice an exit, readiness, or a restart that is due."""
        now = self._clock()
        state = self.state.state
        if state in ("restarting", "failed"):
            if now >= self._restart_at:
                self.state.restarts += 1
                log(f"restarting {self.spec.name} (restart {self.state.restarts})")
                try:
                    self.start()
                except OSError as exc:  # could not even be launched: try again later
                    self._restart_at = now + self.backoff.after_exit(0.0)
                    self.state.state = "failed"
                    log(f"{self.spec.name} could not be started: {exc}")
            return
        if self._child is None:  # stopped
            return
        code = self._child.process.poll()
        if code is not None:
            self._exited(code, now)
        elif state == "starting":
            if ready(self.spec.probe_url, PROBE_TIMEOUT_S):
                log(f"{self.spec.name} is ready (pid {self.state.pid})")
                self.state.state = "running"
            elif now - self._started_at > self.spec.ready_timeout_s:
                log(f"{self.spec.name} was not ready after {self.spec.ready_timeout_s:.0f}s")
                self._child.stop()
                self._exited(self._child.process.returncode, now)
        elif state == "running" and now >= self._probe_at:
            self._probe(now)

    def _probe(self, now: float) -> None:
        """A running child that stopped answering (stopped, deadlocked, wedged) would
        never exit on its own: past `unready_limit_s` it is killed and restarted."""
        assert self._child is not None
        self._probe_at = now + PROBE_INTERVAL_S
        if ready(self.spec.probe_url, PROBE_TIMEOUT_S):
            self._unready_since = None
            return
        if self._unready_since is None:
            self._unready_since = now
        limit = self.spec.unready_limit_s
        if now - self._unready_since >= limit:
            self._child.kill()
            hung = f"did not answer {self.spec.probe_url} for {limit:.0f}s; killed it"
            self._exited(self._child.process.returncode, now, hung)

    def _exited(self, code: int, now: float, why: str | None = None) -> None:
        assert self._child is not None
        # Reaps what a cloud left in its session, so the next one finds its port free.
        self._child.stop()
        self._child = None
        delay = self.backoff.after_exit(now - self._started_at)
        self.state.state = "restarting" if self.state.state == "running" else "failed"
        self.state.last_exit = code
        self.state.pid = None
        self._restart_at = now + delay
        why = why or f"exited with code {code}"
        log(f"{self.spec.name} {why}; restarting in {delay:.0f}s")

    def request(self, action: str) -> None:
        if not self.spec.stoppable:
            log(f"ignored: {self.spec.name} stops only with up itself")
        elif action == "stop" and self.state.state != "stopped":
            log(f"stopping {self.spec.name} (requested)")
            self.stop()
            log(f"{self.spec.name} stopped; it stays down until started again")
        elif action == "start" and self.state.state in ("stopped", "restarting", "failed"):
            log(f"starting {self.spec.name} (requested)")
            self.backoff.reset()
            self.start()


class Supervisor:
    def __init__(self, components: Sequence[Component], state_dir: Path, pid: int) -> None:
        self.components = list(components)
        self._state_dir = state_dir
        self._pid = pid
        self._published: UpState | None = None

    def publish(self) -> None:
        """Writes up.json when anything in it changed."""
        state = UpState(self._pid, [ComponentState(**asdict(c.state)) for c in self.components])
        if state != self._published:
            write_state(self._state_dir, state)
            self._published = state

    def run(self) -> NoReturn:
        """Supervises until a signal ends `up` (by an exception from its handler)."""
        while True:
            self.tick()
            time.sleep(TICK_S)

    def tick(self) -> None:
        for request in take_requests(self._state_dir):
            self.handle(request)
        for component in self.components:
            component.tick()
        self.publish()

    def handle(self, request: Request) -> None:
        component = next((c for c in self.components if c.spec.name == request.component), None)
        if component is None:
            log(f"ignored a request to {request.action} {request.component}: not run by up")
        else:
            component.request(request.action)
        self.publish()

    def stop_all(self) -> None:
        # The gateway first, so that it never serves with a leg already gone.
        for component in reversed(self.components):
            if component.state.state != "stopped":
                component.stop()
