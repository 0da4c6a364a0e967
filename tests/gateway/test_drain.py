"""SIGTERM to a real gateway process: it drains (503 to new work, /readyz 503, streams
in flight finish or end well-formed at the deadline), flushes its audit log and exits
with status 0. The backends are one real-socket fake upstream (tests/fakes/upstream.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fakes.upstream import FaultyUpstream, faulty_upstream
from tests.processes import Service, dev_token, start_gateway

# "model: cloud" routes to the cloud under the default policy (rule caller-asked-for-cloud).
STREAM = {
    "model": "cloud",
    "messages": [{"role": "user", "content": "hi"}],
    "max_tokens": 5,
    "stream": True,
}
EXIT_TIMEOUT_S = 60


@pytest.fixture
def upstream() -> Iterator[FaultyUpstream]:
    with faulty_upstream() as server:
        server.mode = "slow_stream"
        yield server


def gateway(log_dir: Path, upstream: FaultyUpstream, state: Path, drain_s: float) -> Service:
    # The fake answers the edge's /readyz too, so the gateway is ready.
    return start_gateway(
        log_dir,
        upstream.url,
        state,
        HYBRIDGATE_BACKENDS__CLOUD__URL=upstream.url,
        HYBRIDGATE_SERVER__DRAIN_TIMEOUT_S=str(drain_s),
    )


@contextmanager
def open_stream(service: Service, token: str) -> Iterator[tuple[httpx.Response, Iterator[str]]]:
    """A stream whose first event has arrived: it is in flight."""
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(timeout=EXIT_TIMEOUT_S) as client,
        client.stream(
            "POST", f"{service.url}/v1/chat/completions", json=STREAM, headers=headers
        ) as response,
    ):
        assert response.status_code == 200
        lines = (line.removeprefix("data: ") for line in response.iter_lines() if line)
        first = next(lines)
        assert "first" in first
        yield response, lines


def assert_draining(service: Service, token: str) -> None:
    refused = httpx.post(
        f"{service.url}/v1/chat/completions",
        json=STREAM | {"stream": False},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("server_error", "draining")
    ready = httpx.get(f"{service.url}/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "draining": True}
    assert httpx.get(f"{service.url}/healthz", timeout=30).status_code == 200


def assert_clean_exit(service: Service) -> None:
    assert service.process.wait(EXIT_TIMEOUT_S) == 0
    log = service.log()
    assert "Traceback" not in log, log
    assert "Cancel" not in log, log  # uvicorn had to cancel nothing


def audit_verify(state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify"],
        env=dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_stream_in_flight_finishes_during_the_drain(
    upstream: FaultyUpstream, log_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    service = gateway(log_dir, upstream, state, drain_s=120)
    token = dev_token(state)
    try:
        with open_stream(service, token) as (_, rest):
            service.process.send_signal(signal.SIGTERM)
            assert_draining(service, token)
            upstream.release()
            events = list(rest)
        assert events[-1] == "[DONE]"
        assert not any("error" in json.loads(e) for e in events[:-1])
        assert_clean_exit(service)
    finally:
        service.stop()


def test_a_stream_past_the_deadline_ends_well_formed_and_the_audit_chain_verifies(
    upstream: FaultyUpstream, log_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    service = gateway(log_dir, upstream, state, drain_s=1)
    token = dev_token(state)
    try:
        with open_stream(service, token) as (response, rest):
            decision_id = response.headers["x-hybridgate-decision-id"]
            service.process.send_signal(signal.SIGTERM)
            events = list(rest)  # the upstream never goes on: the deadline comes
        assert events[-1] == "[DONE]"
        error = json.loads(events[-2])["error"]
        assert (error["type"], error["code"]) == ("server_error", "shutting_down")
        assert_clean_exit(service)
    finally:
        service.stop()

    # The chain was closed cleanly, and a new process continues it.
    checked = audit_verify(state)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restarted = gateway(log_dir, upstream, state, drain_s=1)
    try:
        restarted.process.send_signal(signal.SIGTERM)  # nothing in flight: stops at once
        assert_clean_exit(restarted)
    finally:
        restarted.stop()
    rechecked = audit_verify(state)
    assert rechecked.returncode == 0, rechecked.stdout + rechecked.stderr
    events = [
        json.loads(line)
        for path in sorted((state / "audit").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    (cut,) = [e for e in events if decision_id in json.dumps(e)]
    # Recorded as what it was: a stream the shutdown ended.
    assert '"error_code": "shutting_down"' in json.dumps(cut)


def test_a_whole_answer_not_ready_by_the_deadline_gets_503_shutting_down(
    log_dir: Path, tmp_path: Path
) -> None:
    with faulty_upstream(delay_s=30.0) as slow:
        slow.mode = "slow_first_byte"  # the answer would come long after the deadline
        state = tmp_path / "state"
        service = gateway(log_dir, slow, state, drain_s=1)
        headers = {"Authorization": f"Bearer {dev_token(state)}"}
        try:
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(
                    httpx.post,
                    f"{service.url}/v1/chat/completions",
                    json=STREAM | {"stream": False},
                    headers=headers,
                    timeout=EXIT_TIMEOUT_S,
                )
                for _ in range(300):  # until the upstream holds it: it is in flight
                    if slow.requests or pending.done():
                        break
                    time.sleep(0.1)
                assert slow.requests == 1
                service.process.send_signal(signal.SIGTERM)
                answer = pending.result(timeout=EXIT_TIMEOUT_S)
            assert answer.status_code == 503
            error = answer.json()["error"]
            assert (error["type"], error["code"]) == ("server_error", "shutting_down")
            assert "x-hybridgate-decision-id" in answer.headers
            assert_clean_exit(service)
        finally:
            service.stop()
