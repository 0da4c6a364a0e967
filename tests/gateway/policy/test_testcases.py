"""The policy test runner and `hybridgate policy test`: table, traces, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.classify.budget import Budget
from gateway.classify.registry import Classifiers
from gateway.cli import main
from gateway.cli.policy import planning_config
from gateway.cli.settings import load_settings, with_overrides
from gateway.policy.loader import PolicyError
from gateway.policy.planning import PlanConfig
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


@pytest.fixture
def config() -> PlanConfig:
    return planning_config(load_settings())


def test_signal_cases_run_without_classifiers(tmp_path: Path, config: PlanConfig) -> None:
    path = write(tmp_path, "t.yaml", PASSING)
    results = run_files([path], DEFAULT_POLICY, no_classifiers, config)
    assert [r.passed for r in results] == [True, True]
    assert table(results).endswith("2 passed, 0 failed")


def test_a_failure_shows_expected_got_and_the_trace(tmp_path: Path, config: PlanConfig) -> None:
    path = write(tmp_path, "t.yaml", FAILING)
    results = run_files([path], DEFAULT_POLICY, no_classifiers, config)
    report = table(results)
    assert "FAIL" in report
    assert "expected cloud, got edge by sensitive-stays-on-edge" in report
    assert "sensitive-stays-on-edge: matched (sensitivity_at_least confidential: yes)" in report
    assert report.endswith("0 passed, 1 failed")


def test_request_cases_are_classified_like_the_gateway_does(
    tmp_path: Path, classifiers: Classifiers, config: PlanConfig
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
    path = write(tmp_path, "t.yaml", text)
    results = run_files([path], DEFAULT_POLICY, lambda _p: classifiers, config)
    assert results[0].passed, table(results)


SCHEMA_CASE = f"""policy: {DEFAULT_POLICY}
cases:
  - name: a schema field, sent to the cloud only if its allow-list names it
    request:
      model: cloud
      messages: [{{role: user, content: "Open a ticket."}}]
      response_format: {{type: json_schema, json_schema: {{name: t, schema: {{description: "SSN 536-22-8741"}}}}}}
    expect: {{route: cloud, rule: caller-asked-for-cloud}}
"""  # noqa: E501


def test_request_cases_read_the_configured_allow_list(
    tmp_path: Path, classifiers: Classifiers, config: PlanConfig
) -> None:
    # Off the cloud's list, the field is dropped rather than sent: nothing of it is
    # classified, so the gateway sends the rest to the cloud as asked.
    fields = [f for f in config.cloud_fields if f != "response_format"]
    settings = load_settings()
    cloud = settings.backends.cloud.model_dump() | {"forward_fields": fields}
    settings = with_overrides(settings, "backends", {"cloud": cloud})
    path = write(tmp_path, "t.yaml", SCHEMA_CASE)
    narrowed = run_files([path], DEFAULT_POLICY, lambda _p: classifiers, planning_config(settings))
    assert narrowed[0].passed, table(narrowed)
    assert not run_files([path], DEFAULT_POLICY, lambda _p: classifiers, config)[0].passed


def test_request_cases_are_classified_within_the_configured_budget(
    tmp_path: Path, classifiers: Classifiers, config: PlanConfig
) -> None:
    # Past the cap the gateway reads nothing (no rule lets unread text out): the rule
    # that asked for the cloud matches, and the unread text keeps it from the cloud.
    text = f"""policy: {DEFAULT_POLICY}
cases:
  - name: past the cap, a card asked of the cloud is refused unread
    request: {{model: cloud, prompt: "{"Say hello. " * 100}Charge card 4111 1111 1111 1111."}}
    expect: {{route: deny, rule: caller-asked-for-cloud}}
"""
    path = write(tmp_path, "t.yaml", text)
    small = PlanConfig(config.cloud_fields, config.edge_fields, Budget(max_chars=1_000))
    capped = run_files([path], DEFAULT_POLICY, lambda _p: classifiers, small)
    assert capped[0].passed, table(capped)
    read = run_files([path], DEFAULT_POLICY, lambda _p: classifiers, config)
    assert read[0].got == "deny by sensitive-stays-on-edge"


def test_a_model_the_gateway_does_not_serve_is_a_bad_file(
    tmp_path: Path, classifiers: Classifiers, config: PlanConfig
) -> None:
    text = f"""policy: {DEFAULT_POLICY}
cases:
  - name: no such model
    request: {{model: gpt-x, messages: [{{role: user, content: "hi"}}]}}
    expect: {{route: edge}}
"""
    with pytest.raises(PolicyError, match=r"t\.yaml: case 'no such model': The model 'gpt-x'"):
        run_files([write(tmp_path, "t.yaml", text)], DEFAULT_POLICY, lambda _p: classifiers, config)


@pytest.mark.parametrize(
    "text",
    [
        "cases: []",
        f"policy: {DEFAULT_POLICY}\ncases: [{{name: x, expect: {{route: edge}}}}]",
        f"policy: {DEFAULT_POLICY}\ncases: [{{name: x, signals: {{}}, expect: {{route: up}}}}]",
    ],
)
def test_bad_test_files_are_refused_with_their_path(
    tmp_path: Path, text: str, config: PlanConfig
) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(PolicyError, match=r"bad\.yaml"):
        run_files([path], DEFAULT_POLICY, no_classifiers, config)


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
