"""Loading, line-numbered errors, check warnings, the schema, and atomic reloads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.policy.check import check_policy
from gateway.policy.loader import PolicyError, PolicyStore, load_policy
from gateway.policy.model import Policy
from tests.conftest import DEFAULT_POLICY
from tests.fakes.kubelet import AtomicVolume

ROOT = DEFAULT_POLICY.parent.parent
GOOD = """version: 1
rules:
  - id: a
    when: {model: edge}
    route: edge
"""


def test_revision_is_the_files_sha256(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GOOD)
    _, revision = load_policy(path)
    import hashlib

    assert revision == "sha256:" + hashlib.sha256(GOOD.encode()).hexdigest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("route: edge", "route: moon"), ":5: rules.0.route"),
        (GOOD.replace("{model: edge}", "{model: edge, roles_any: [x]}"), ":4: rules.0.when"),
        (GOOD + "  - id: a\n    when: {model: auto}\n    route: edge\n", ":1: policy"),
        ("rules: [\n", ":2: invalid YAML"),
        ("version: 1\nmax_cloud_level: secret\n", ":2: max_cloud_level"),
    ],
)
def test_errors_carry_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert any(f"{path}{expected}" in problem for problem in caught.value.problems), (
        caught.value.problems
    )


def test_check_warns_about_dead_and_shadowed_rules(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        """rules:
  - id: first
    when: {complexity_label: complex}
    route: edge
  - id: same-again
    when: {complexity_label: complex}
    route: cloud
  - id: impossible
    when: {all: [{sensitivity_at_least: restricted}, {sensitivity_below: internal}]}
    route: edge
  - id: cloud-for-secrets
    when: {sensitivity_at_least: restricted}
    route: cloud
"""
    )
    warnings = check_policy(path)
    assert any(":5: warning: rule same-again is shadowed by first" in w for w in warnings)
    assert any(":8: warning: rule impossible can never match" in w for w in warnings)
    assert any(":11: warning: rule cloud-for-secrets can never route" in w for w in warnings)
    assert check_policy(DEFAULT_POLICY) == []


def test_policy_check_command_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{id: x, when: {model: auto}}]\n")
    cli = [sys.executable, "-m", "gateway.cli", "policy", "check"]
    failed = subprocess.run([*cli, str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert failed.returncode == 1
    assert f"{bad}:1: rules.0" in failed.stderr
    ok = subprocess.run([*cli, str(DEFAULT_POLICY)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0


def test_schema_json_is_current() -> None:
    sys.path.insert(0, str(ROOT))
    from tools.policy_schema import SCHEMA, render

    assert SCHEMA.read_text() == render(), "run: .venv/bin/python tools/policy_schema.py"


def test_store_swaps_valid_edits_and_keeps_the_last_good(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GOOD)
    store: PolicyStore[int] = PolicyStore(path, lambda policy: len(policy.rules))
    first = store.current
    assert store.reload_if_changed() is False

    path.write_text(GOOD.replace("model: edge", "model: cloud"))
    os.utime(path, (first.loaded_at + 10, first.loaded_at + 10))
    assert store.reload_if_changed() is True
    assert store.current.policy.rules[0].when.model == "cloud"
    assert first.policy.rules[0].when.model == "edge"  # holders of the old one keep it

    good = store.current
    path.write_text("rules: [broken\n")
    assert store.reload_if_changed() is False
    assert store.current is good
    assert store.last_error is not None
    assert f"{path}:" in store.last_error


def test_store_follows_a_configmap_update_through_the_data_symlink(tmp_path: Path) -> None:
    # A ConfigMap mounted as a volume: default.yaml -> ..data/default.yaml, and an
    # update swaps ..data to a new directory. The edit here keeps the file's size, and
    # its mtime is set back to the old one, so only the swap itself tells them apart.
    volume = AtomicVolume(tmp_path / "policy")
    volume.write({"default.yaml": GOOD})
    path = volume.root / "default.yaml"
    store: PolicyStore[int] = PolicyStore(path, lambda policy: len(policy.rules))
    first = store.current
    old_mtime = path.stat().st_mtime

    volume.write({"default.yaml": GOOD.replace("model: edge", "model: auto")})
    os.utime(path, (old_mtime, old_mtime))
    assert path.stat().st_size == len(GOOD)
    assert store.reload_if_changed() is True
    assert store.current.policy.rules[0].when.model == "auto"
    assert store.current.revision != first.revision
    assert store.reload_if_changed() is False

    good = store.current
    volume.write({"default.yaml": "rules: [broken\n"})
    assert store.reload_if_changed() is False
    assert store.current is good
    assert store.last_error is not None


def test_default_policy_loads() -> None:
    policy, _ = load_policy(DEFAULT_POLICY)
    assert isinstance(policy, Policy)
    assert policy.max_cloud_level == "confidential"


def test_classifiers_from_shares_another_files_recognizers(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(f"classifiers_from: {DEFAULT_POLICY}\nrules: []\n")
    policy, _ = load_policy(path)
    default, _ = load_policy(DEFAULT_POLICY)
    assert policy.classifiers == default.classifiers
    both = tmp_path / "both.yaml"
    both.write_text(f"classifiers_from: {DEFAULT_POLICY}\nclassifiers: {{}}\n")
    with pytest.raises(PolicyError, match="not both"):
        load_policy(both)
