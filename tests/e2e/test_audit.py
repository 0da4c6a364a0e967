"""The audit log of a real gateway process: it survives SIGKILL under load, and
neither it nor the process's log lines ever hold the prompts' sensitive values."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.processes import Service, dev_token, start_gateway

pytestmark = pytest.mark.e2e


def audit_cli(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", *args],
        env=dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def lines_in(directory: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in directory.glob("*.jsonl"))


def test_every_complete_event_verifies_after_sigkill_under_load(
    edge_server: Service, log_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    gateway = start_gateway(log_dir, edge_server.url, state)
    token = dev_token(state)
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                # Once the gateway is killed, calls fail until the test stops the load.
                with contextlib.suppress(httpx.HTTPError):
                    client.post(
                        f"{gateway.url}/v1/completions",
                        json={"model": "auto", "prompt": "Hi", "max_tokens": 1},
                        headers={"Authorization": f"Bearer {token}"},
                    )

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 120
        while lines_in(state / "audit") < 40:
            assert time.monotonic() < deadline, gateway.log()
            time.sleep(0.05)
        gateway.process.kill()  # SIGKILL, in the middle of the load
        gateway.process.wait()
    finally:
        stop.set()
        for worker in workers:
            worker.join()
        gateway.stop()

    checked = audit_cli(state, "verify")
    assert checked.returncode == 0, checked.stdout
    assert "tamper" not in checked.stdout.lower()

    # A new process continues the chain from the last complete event.
    restarted = start_gateway(log_dir, edge_server.url, state)
    try:
        response = httpx.post(
            f"{restarted.url}/v1/completions",
            json={"model": "auto", "prompt": "Hi", "max_tokens": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200
    finally:
        restarted.stop()
    rechecked = audit_cli(state, "verify")
    assert rechecked.returncode == 0, rechecked.stdout
    found = audit_cli(state, "query", "--json").stdout
    assert response.headers["x-hybridgate-decision-id"] in found


PLANTED = {
    "ssn": "219-09-9999",
    "card": "4111 1111 1111 1111",
    "email": "zebulon.plantagenet@contoso.com",
    "name": "Zebulon Plantagenet",
    "aws key": "AKIAZ7PLANTEDKEY0001",
    "password": "Tr0ub4dor&3-planted",
    "token": "eyJplanted.bearer.secretXYZ",
}


def test_no_planted_value_reaches_the_audit_log_or_the_process_log(
    edge_server: Service, log_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    gateway = start_gateway(log_dir, edge_server.url, state)
    auth = {"Authorization": f"Bearer {dev_token(state)}"}
    message = (
        f"I am {PLANTED['name']}, SSN {PLANTED['ssn']}, card {PLANTED['card']}, mail me at "
        f"{PLANTED['email']}. Our AWS key is {PLANTED['aws key']} and the admin "
        f"password: {PLANTED['password']}"
    )
    chat = {"messages": [{"role": "user", "content": message}], "max_tokens": 2}
    url = f"{gateway.url}/v1/chat/completions"
    try:
        sent = [
            httpx.post(url, json={"model": "auto", **chat}, headers=auth, timeout=60),
            httpx.post(
                url, json={"model": "auto", "stream": True, **chat}, headers=auth, timeout=60
            ),
            httpx.post(url, json={"model": "cloud", **chat}, headers=auth, timeout=60),  # denied
            httpx.post(
                f"{gateway.url}/v1/completions",
                json={"model": "edge", "prompt": message, "max_tokens": 2},
                headers=auth,
                timeout=60,
            ),
            # A body the schema refuses, and a token that is not one.
            httpx.post(url, json={"model": "auto", "messages": message}, headers=auth, timeout=60),
            httpx.post(
                url,
                json={"model": "auto", **chat},
                headers={"Authorization": f"Bearer {PLANTED['token']}"},
                timeout=60,
            ),
        ]
    finally:
        gateway.stop()
    assert [r.status_code for r in sent] == [200, 200, 403, 200, 400, 401]
    audit = b"".join(p.read_bytes() for p in sorted((state / "audit").glob("*.jsonl")))
    assert audit.count(b"\n") == len(sent)
    process_log = gateway.log_path.read_bytes()
    for what, value in PLANTED.items():
        for part in {value, value.replace(" ", "")}:
            assert part.encode() not in audit, f"{what} in the audit log"
            assert part.encode() not in process_log, f"{what} in the gateway's log"
