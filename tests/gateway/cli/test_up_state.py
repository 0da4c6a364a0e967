"""up.json and the control requests, without an `up` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.cli.up_state import (
    CONTROL_DIR,
    UP_FILE,
    ComponentState,
    Request,
    UpState,
    clear_requests,
    is_up_process,
    read_state,
    remove_state,
    running_up,
    send_request,
    take_requests,
    write_state,
)


def sample() -> UpState:
    return UpState(
        pid=os.getpid(),
        components=[
            ComponentState("edge", "http://127.0.0.1:8081", "http://127.0.0.1:8081/readyz", 41),
            ComponentState(
                "cloud", "http://127.0.0.1:8000", "http://127.0.0.1:8000/readyz", None,
                "restarting", restarts=2, last_exit=-9,
            ),
        ],
    )  # fmt: skip


def test_state_round_trips_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    write_state(tmp_path / "state", sample())
    assert read_state(tmp_path / "state") == sample()
    assert [p.name for p in (tmp_path / "state").iterdir()] == [UP_FILE]
    data = json.loads((tmp_path / "state" / UP_FILE).read_text())
    assert data["components"][1] == {
        "name": "cloud",
        "url": "http://127.0.0.1:8000",
        "readyz": "http://127.0.0.1:8000/readyz",
        "pid": None,
        "state": "restarting",
        "restarts": 2,
        "last_exit": -9,
    }
    assert sample().component("cloud") is not None
    assert sample().component("gateway") is None


def test_missing_or_broken_state_reads_as_none(tmp_path: Path) -> None:
    assert read_state(tmp_path) is None
    (tmp_path / UP_FILE).write_text("{not json")
    assert read_state(tmp_path) is None
    (tmp_path / UP_FILE).write_text('{"pid": 1}')
    assert read_state(tmp_path) is None
    remove_state(tmp_path)
    remove_state(tmp_path)  # twice is fine
    assert not (tmp_path / UP_FILE).exists()


def test_a_state_whose_pid_is_not_an_up_is_not_running(tmp_path: Path) -> None:
    # This test process is alive but is no `hybridgate up`; a recycled pid looks so.
    write_state(tmp_path, sample())
    assert not is_up_process(os.getpid())
    assert running_up(tmp_path) is None
    assert not is_up_process(2**22 + 1)  # above the kernel's pid limit


def test_requests_come_back_oldest_first_once(tmp_path: Path) -> None:
    send_request(tmp_path, Request("edge", "stop"))
    send_request(tmp_path, Request("edge", "start"))
    send_request(tmp_path, Request("cloud", "stop"))
    (tmp_path / CONTROL_DIR / "00-bad.json").write_text("nonsense")
    (tmp_path / CONTROL_DIR / "01-bad.json").write_text('{"component": "edge", "action": "x"}')
    assert take_requests(tmp_path) == [
        Request("edge", "stop"),
        Request("edge", "start"),
        Request("cloud", "stop"),
    ]
    assert take_requests(tmp_path) == []
    assert list((tmp_path / CONTROL_DIR).iterdir()) == []


def test_leftover_requests_are_cleared(tmp_path: Path) -> None:
    clear_requests(tmp_path)  # no directory yet
    send_request(tmp_path, Request("edge", "stop"))
    clear_requests(tmp_path)
    assert take_requests(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "is_up"),
    [(["up"], True), (["--log-level", "debug", "up"], True), (["cloud", "up"], False)],
)
def test_an_up_process_is_told_by_its_arguments(args: list[str], is_up: bool) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", *args])
    try:
        deadline = time.monotonic() + 10
        # Until exec has happened, /proc shows the parent's command line.
        while not Path(f"/proc/{sleeper.pid}/cmdline").read_bytes().endswith(b"up\0"):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert is_up_process(sleeper.pid) is is_up
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not is_up_process(sleeper.pid)
