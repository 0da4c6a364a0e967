"""Each shipped policy against the route tests it ships (`policies/tests/*.yaml`, the
format `hybridgate policy test` runs), on the real classifiers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gateway.classify.registry import Classifiers
from gateway.cli.policy import planning_config
from gateway.cli.settings import load_settings
from gateway.policy.testcases import run_files, table
from tests.conftest import DEFAULT_POLICY

POLICIES = DEFAULT_POLICY.parent
TESTS = sorted((POLICIES / "tests").glob("*.yaml"))


def test_every_shipped_policy_has_tests() -> None:
    tested = {
        (path.parent / yaml.safe_load(path.read_text())["policy"]).resolve() for path in TESTS
    }
    shipped = {
        DEFAULT_POLICY.resolve(),
        *(p.resolve() for p in (POLICIES / "examples").glob("*.yaml")),
    }
    assert shipped <= tested


@pytest.mark.parametrize("path", TESTS, ids=[p.stem for p in TESTS])
def test_shipped_policy_tests_pass(path: Path, classifiers: Classifiers) -> None:
    # The examples share the default's recognizers (classifiers_from), so one set serves.
    config = planning_config(load_settings())
    results = run_files([path], DEFAULT_POLICY, lambda _policy: classifiers, config)
    assert len(results) >= 3
    assert all(r.passed for r in results), table(results)
