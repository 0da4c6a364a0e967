"""Bad input on the command line ends in an exit status and a message on stderr,
never in a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main

MISSING = "/nonexistent/hybridgate-test"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("HYBRIDGATE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HYBRIDGATE_SERVER__STATE_DIR", str(tmp_path / "state"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", f"{MISSING}.yaml", "classify", "hello"],
        ["--config", f"{MISSING}.yaml", "audit", "verify"],
    ],
)
def test_a_missing_config_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, err = run(capsys, *argv)
    assert code == 2
    assert err.splitlines() == [
        "hybridgate: configuration error:",
        f"cannot read config {MISSING}.yaml: No such file or directory",
    ]


def test_a_config_with_an_unknown_key_exits_2_naming_its_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "hybridgate.yaml"
    config.write_text("edge:\n  no_such_key: 1\n")
    code, err = run(capsys, "--config", str(config), "classify", "hello")
    assert code == 2
    assert f"{config}: edge.no_such_key: Extra inputs are not permitted" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["classify", "hello", "--policy", f"{MISSING}.yaml"],
        ["explain", "hello", "--policy", f"{MISSING}.yaml"],
        ["eval", "--policy", f"{MISSING}.yaml"],
    ],
)
def test_a_bad_policy_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, err = run(capsys, *argv)
    assert code == 2
    assert err.splitlines() == [
        "hybridgate: invalid policy:",
        f"{MISSING}.yaml:0: cannot read: No such file or directory",
    ]


def test_policy_check_of_a_missing_file_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "policy", "check", f"{MISSING}.yaml")
    assert code == 1
    assert err.splitlines() == [f"{MISSING}.yaml:0: cannot read: No such file or directory"]


def test_policy_test_of_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "policy", "test", f"{MISSING}-tests.yaml")
    assert code == 2
    assert err.splitlines() == [f"{MISSING}-tests.yaml:0: cannot read: No such file or directory"]


def test_policy_replay_of_a_missing_candidate_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = run(capsys, "policy", "replay", f"{MISSING}.yaml")
    assert code == 1
    assert err.splitlines() == [f"{MISSING}.yaml:0: cannot read: No such file or directory"]


def test_policy_replay_with_a_bad_since_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "policy", "replay", "policies/default.yaml", "--since", "never")
    assert code == 2
    assert err.startswith("hybridgate policy replay: --since: ")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "verify", f"{MISSING}.jsonl"],
        ["audit", "query", f"{MISSING}.jsonl"],
        ["report", f"{MISSING}.jsonl"],
        ["policy", "replay", "policies/default.yaml", "--audit", f"{MISSING}.jsonl"],
        ["classify", "--file", f"{MISSING}.txt"],
    ],
)
def test_a_missing_input_file_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, err = run(capsys, *argv)
    assert code == 2
    missing = argv[-1]
    assert err.splitlines() == [f"hybridgate: {missing}: no such file or directory"]


def test_audit_verify_without_a_log_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "audit", "verify")
    assert code == 2
    assert err.splitlines() == ["hybridgate audit: no audit files found"]


def test_classify_without_a_prompt_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "classify")
    assert code == 2
    assert err.splitlines() == ["hybridgate: configuration error:", "give a PROMPT or --file F"]


def test_python_dash_m_reports_without_a_traceback(tmp_path: Path) -> None:
    # `python -m gateway.cli` is how `hybridgate up` runs its children.
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify", f"{MISSING}.jsonl"],
        env=dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == f"hybridgate: {MISSING}.jsonl: no such file or directory\n"
