"""SIGTERM to a real edge server on the real SmolLM2 model: it drains (503 to new work,
/readyz 503), lets a generation in flight finish, ends one that a second signal cuts
short with an error event and [DONE], and exits with status 0."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.processes import Service, start_edge

pytestmark = pytest.mark.integration

MODEL = "smollm2-135m-instruct"
# A raw continuation the model keeps extending until max_tokens.
COUNTING = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"
EXIT_TIMEOUT_S = 120


@contextmanager
def counting_stream(edge: Service, max_tokens: int) -> Iterator[Iterator[str]]:
    """A COUNTING stream whose first chunk has arrived: it is in flight."""
    # Greedy: a sampled continuation may end early with "stop", and the test needs
    # the generation to run to max_tokens.
    payload = {
        "model": MODEL,
        "prompt": COUNTING,
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
    }
    with (
        httpx.Client(timeout=EXIT_TIMEOUT_S) as client,
        client.stream("POST", f"{edge.url}/v1/completions", json=payload) as response,
    ):
        assert response.status_code == 200
        lines = (line.removeprefix("data: ") for line in response.iter_lines() if line)
        assert "choices" in json.loads(next(lines))
        yield lines


def assert_draining(edge: Service) -> None:
    refused = httpx.post(
        f"{edge.url}/v1/completions",
        json={"model": MODEL, "prompt": COUNTING, "max_tokens": 1},
        timeout=30,
    )
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "draining"
    ready = httpx.get(f"{edge.url}/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json()["draining"] is True
    assert httpx.get(f"{edge.url}/healthz", timeout=30).status_code == 200


def assert_clean_exit(edge: Service) -> None:
    assert edge.process.wait(EXIT_TIMEOUT_S) == 0
    assert "Traceback" not in edge.log(), edge.log()


def test_a_generation_in_flight_finishes_during_the_drain(log_dir: Path) -> None:
    edge = start_edge(log_dir, HYBRIDGATE_EDGE__DRAIN_TIMEOUT_S="120")
    try:
        with counting_stream(edge, max_tokens=40) as rest:
            edge.process.send_signal(signal.SIGTERM)
            assert_draining(edge)
            events = list(rest)
        assert events[-1] == "[DONE]"
        assert json.loads(events[-2])["choices"][0]["finish_reason"] == "length"
        assert not any("error" in json.loads(e) for e in events[:-1])
        assert_clean_exit(edge)
    finally:
        edge.stop()


def test_a_second_signal_ends_a_long_generation_well_formed(log_dir: Path) -> None:
    edge = start_edge(log_dir, HYBRIDGATE_EDGE__DRAIN_TIMEOUT_S="120")
    try:
        with counting_stream(edge, max_tokens=1500) as rest:
            edge.process.send_signal(signal.SIGTERM)
            assert_draining(edge)  # the first signal has been handled
            edge.process.send_signal(signal.SIGTERM)
            events = list(rest)
        assert events[-1] == "[DONE]"
        error = json.loads(events[-2])["error"]
        assert (error["type"], error["code"]) == ("server_error", "shutting_down")
        assert_clean_exit(edge)
    finally:
        edge.stop()
