"""The policy test runner and `hybridgate policy test`: table, traces, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.classify.registry import Classifiers
from gateway.cli import main
from gateway.policy.loader import PolicyError
from gateway.policy.testcases import run_files, table
from tests.conftest import DEFAULT_POLICY

PASSING = f"""policy: {DEFAULT_POLICY}
cases:
  - name: spills over when busy
    signals: {{level: public, complexity: 0.1}}
    edge_queue: 9
    expect: {{route: cloud, rule: spillover}}
  - name: tenant-free principal changes nothing
    signals: {{level: internal, complexity: 0.8}}
    principal: {{roles: [Reader], groups: null}}
    expect: {{route: cloud, rule: complex-to-cloud, redacted: false}}
"""
FAILING = f"""policy: {DEFAULT_POLICY}
cases:
  - name: wrongly expects the cloud
    signals: {{level: restricted, entities: {{US_SSN: 1}}, complexity: 0.9}}
    expect: {{route: cloud}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def no_classifiers(_policy: object) -> Classifiers:
    raise AssertionError("signal cases need no classifiers")


def test_signal_cases_run_without_classifiers(tmp_path: Path) -> None:
    results = run_files([write(tmp_path, "t.yaml", PASSING)], DEFAULT_POLICY, no_classifiers)
    assert [r.passed for r in results] == [True, True]
    assert table(results).endswith("2 passed, 0 failed")


def test_a_failure_shows_expected_got_and_the_trace(tmp_path: Path) -> None:
    results = run_files([write(tmp_path, "t.yaml", FAILING)], DEFAULT_POLICY, no_classifiers)
    report = table(results)
    assert "FAIL" in report
    assert "expected cloud, got edge by sensitive-stays-on-edge" in report
    assert "sensitive-stays-on-edge: matched (sensitivity_at_least confidential: yes)" in report
    assert report.endswith("0 passed, 1 failed")


def test_request_cases_are_classified_like_the_gateway_does(
    tmp_path: Path, classifiers: Classifiers
) -> None:
    text = f"""policy: {DEFAULT_POLICY}
cases:
  - name: a schema field is read
    request:
      model: cloud
      messages: [{{role: user, content: "Open a ticket."}}]
      response_format: {{type: json_schema, json_schema: {{name: t, schema: {{description: "SSN 536-22-8741"}}}}}}
    expect: {{route: deny}}
"""  # noqa: E501
    results = run_files([write(tmp_path, "t.yaml", text)], DEFAULT_POLICY, lambda _p: classifiers)
    assert results[0].passed, table(results)


@pytest.mark.parametrize(
    "text",
    [
        "cases: []",
        f"policy: {DEFAULT_POLICY}\ncases: [{{name: x, expect: {{route: edge}}}}]",
        f"policy: {DEFAULT_POLICY}\ncases: [{{name: x, signals: {{}}, expect: {{route: up}}}}]",
    ],
)
def test_bad_test_files_are_refused_with_their_path(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(PolicyError, match=r"bad\.yaml"):
        run_files([path], DEFAULT_POLICY, no_classifiers)


def test_the_command_exits_non_zero_on_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "test", str(write(tmp_path, "ok.yaml", PASSING))]) == 0
    assert main(["policy", "test", str(write(tmp_path, "no.yaml", FAILING))]) == 1
    assert "expected cloud" in capsys.readouterr().out
    assert main(["policy", "test", str(write(tmp_path, "bad.yaml", "cases: []"))]) == 2


@pytest.mark.parametrize("command", ["classify", "eval"])
def test_a_bad_policy_for_classify_or_eval_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    bad = write(tmp_path, "bad-policy.yaml", "rules: [1")
    argv = [command, "--policy", str(bad)] + (["hello"] if command == "classify" else [])
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "bad-policy.yaml:" in error
    assert "Traceback" not in error
