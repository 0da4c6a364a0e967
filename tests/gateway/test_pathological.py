"""One request must never stop the gateway. A real gateway process (real classifiers,
a fake upstream for both backends) gets well-formed but pathological bodies from one
caller: a prompt near the 4 MiB body limit, ten thousand messages, a flood of emoji, a
long run of one letter then `@` then a long run of `b.`, nested brackets, a lone
surrogate, deep nesting (bench/pathological.py). Each is answered (a 4xx in OpenAI's
shape, or a 200 from the edge), none hangs, and meanwhile another caller's fresh
simple prompts keep their ordinary latency: the test compares that caller's median
with and without the abuse."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from bench.pathological import pathological_bodies
from tests.fakes.upstream import FaultyUpstream, faulty_upstream
from tests.processes import Service, dev_token, start_gateway

# Far longer than any answer should take: a hang fails the test, a slow answer does not.
HANG_S = 60.0
SIMPLE_ROUNDS = 25
# The simple caller's median may grow with the abuse (two cores, the GIL), but not by
# more than this factor: before the budget, it did not get an answer at all.
SLOWDOWN = 4.0


@pytest.fixture(scope="module")
def upstream() -> Iterator[FaultyUpstream]:
    with faulty_upstream() as server:
        yield server


@pytest.fixture(scope="module")
def gateway(
    upstream: FaultyUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Service, str, str]]:
    state = tmp_path_factory.mktemp("patho")
    service = start_gateway(
        tmp_path_factory.mktemp("patho-logs"),
        upstream.url,
        state,
        HYBRIDGATE_BACKENDS__CLOUD__URL=upstream.url,
    )
    try:
        # Two callers: the simple one, and the abuser, a principal of its own.
        yield service, dev_token(state), dev_token(state, user="abuser")
    finally:
        service.stop()


def simple_medians(service: Service, token: str, tag: str) -> float:
    """The median latency of fresh simple prompts (each a classification miss)."""
    seconds = []
    with httpx.Client(timeout=HANG_S) as client:
        for i in range(SIMPLE_ROUNDS):
            body = {
                "model": "auto",
                "messages": [{"role": "user", "content": f"What is the capital of {tag} {i}?"}],
            }
            started = time.perf_counter()
            response = client.post(
                f"{service.url}/v1/chat/completions",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return statistics.median(seconds)


def test_pathological_requests_are_answered_and_do_not_stop_other_callers(
    gateway: tuple[Service, str, str],
) -> None:
    service, token, abuser_token = gateway
    simple_medians(service, token, "warm-up")
    alone = simple_medians(service, token, "Portugal")

    answers: dict[str, int] = {}
    failures: list[str] = []
    stop = threading.Event()

    def abuse() -> None:
        headers = {"Authorization": f"Bearer {abuser_token}", "content-type": "application/json"}
        bodies = pathological_bodies()
        with httpx.Client(timeout=HANG_S) as client:
            while not stop.is_set():
                for name, raw in bodies.items():
                    try:
                        response = client.post(
                            f"{service.url}/v1/chat/completions", content=raw, headers=headers
                        )
                    except httpx.TimeoutException:
                        failures.append(f"{name}: no answer in {HANG_S} s")
                        continue
                    answers[name] = response.status_code
                    if response.status_code >= 500 or (
                        "error" not in response.json() and (response.status_code != 200)
                    ):
                        failures.append(f"{name}: {response.status_code} {response.text[:200]}")

    abuser = threading.Thread(target=abuse)
    abuser.start()
    try:
        time.sleep(1.0)  # the abuse is under way before the simple caller starts
        abused = simple_medians(service, token, "Chile")
    finally:
        stop.set()
        abuser.join(timeout=HANG_S * len(pathological_bodies()))
    assert not abuser.is_alive()
    assert failures == []
    assert set(answers) == set(pathological_bodies()), answers
    assert all(status < 500 for status in answers.values()), answers
    assert answers["lone surrogate"] == 400
    print(f"\nsimple caller median: alone {alone * 1e3:.1f} ms, abused {abused * 1e3:.1f} ms")
    print(answers)
    assert abused <= SLOWDOWN * alone, (alone, abused)
