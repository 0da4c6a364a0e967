"""One child process of `hybridgate up` (or of a benchmark): started, waited on until
its /readyz answers, and stopped with SIGINT, then SIGKILL if it will not go."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx

READY_TIMEOUT_S = 180.0
PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_S = 15.0


class StackError(RuntimeError):
    """A child failed to start or died; the message names it."""


def _die_with_parent() -> None:
    """Runs in the child before exec: if `up` itself is killed (SIGKILL, OOM), the
    kernel sends the child SIGTERM instead of leaving it orphaned. Linux only."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def ready(url: str, timeout_s: float = 2.0) -> bool:
    """True when `url` (a /readyz) answers 200 within `timeout_s`."""
    try:
        return httpx.get(url, timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


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
            if ready(url):
                return
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
        self._reap_session()

    def kill(self) -> None:
        """Ends a hung child at once: one that answers no request handles no SIGINT
        either (a stopped or deadlocked process), so waiting for it gains nothing."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reap_session()

    def _reap_session(self) -> None:
        if self.own_session:
            from cloud.local import kill_session

            kill_session(self.process.pid)
