"""`hybridgate audit verify` and `hybridgate report` over several replicas' logs: each
chain verified on its own, the events merged for the report."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from gateway.audit.writer import AuditWriter
from gateway.cli import main


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("HYBRIDGATE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path / "state"))


def served(replica: str, minute: int, backend: str = "edge") -> dict[str, Any]:
    return {
        "kind": "decision",
        "replica": replica,
        "timestamp": f"2026-11-29T10:{minute:02d}:00Z",
        "route": backend,
        "backend": backend,
        "status": 200,
        "tokens": {"in": 10, "out": 5},
        "latency_ms": {"total": 100.0},
    }


async def write(path: Path, events: list[dict[str, Any]]) -> None:
    writer = AuditWriter(path)
    await writer.start()
    for event in events:
        await writer.record(event)
    await writer.aclose()


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    """Two replicas' audit directories, copied side by side as an operator would."""
    root = tmp_path / "logs"
    asyncio.run(write(root / "hg-0" / "audit.jsonl", [served("hg-0", m) for m in range(3)]))
    asyncio.run(write(root / "hg-1" / "audit.jsonl", [served("hg-1", m, "cloud") for m in (5, 6)]))
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_verify_reports_each_replicas_chain(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "verify", str(logs))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"== {logs / 'hg-0'} (replica hg-0)"
    assert lines[1] == "OK: 3 events verified in 1 files"
    assert f"== {logs / 'hg-1'} (replica hg-1)" in lines
    assert "OK: 2 events verified in 1 files" in lines
    assert lines[-1] == "OK: 2 of 2 chains verified"


def test_one_tampered_chain_fails_the_fleet_and_is_named(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    active = logs / "hg-1" / "audit.jsonl"
    # One replica's event edited: a cloud answer passed off as the edge's.
    active.write_bytes(active.read_bytes().replace(b'"route":"cloud"', b'"route":"edge"', 1))
    code, out, _ = run(capsys, "audit", "verify", str(logs / "hg-0"), str(logs / "hg-1"))
    assert code == 1
    report = out.split(f"== {logs / 'hg-1'}")[1]
    assert report.splitlines()[1].startswith("TAMPERED")
    assert "OK: 3 events verified" in out  # hg-0's chain is still good
    assert out.splitlines()[-1] == "TAMPERED: 1 of 2 chains verified"


def test_a_head_names_one_chain_only(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "audit", "verify", str(logs), "--head", "3:" + "0" * 64)
    assert code == 2
    assert err.splitlines() == ["hybridgate audit: --head: names one chain's head, not 2"]


def test_a_directory_with_no_chain_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "logs" / "hg-0").mkdir(parents=True)
    code, _, err = run(capsys, "audit", "verify", str(tmp_path / "logs"))
    assert code == 2
    assert err.splitlines() == [f"hybridgate: {tmp_path / 'logs'} holds no audit chain"]


def test_report_merges_the_replicas_logs(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", str(logs), "--json")
    assert code == 0
    merged = json.loads(out)
    assert merged["events"] == 5
    assert merged["replicas"] == {"hg-0": 3, "hg-1": 2}
    assert (merged["legs"]["edge"]["requests"], merged["legs"]["cloud"]["requests"]) == (3, 2)
    assert (merged["since"], merged["until"]) == (
        "2026-11-29T10:00:00+00:00",
        "2026-11-29T10:06:00+00:00",
    )
    # The same, the replicas' directories named one by one.
    code, out, _ = run(capsys, "report", str(logs / "hg-0"), str(logs / "hg-1"), "--json")
    assert json.loads(out) == merged
    code, out, _ = run(capsys, "report", str(logs))
    assert "replicas: hg-0 (3), hg-1 (2)" in out
