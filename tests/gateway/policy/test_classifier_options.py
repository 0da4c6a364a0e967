from __future__ import annotations

from pathlib import Path

import pytest

from gateway.classify.options import ClassifierConfigError
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY


def test_shipped_policy_loads() -> None:
    options = load_classifier_options(DEFAULT_POLICY)
    assert options.sensitivity.entity_levels["US_SSN"] == "restricted"
    assert 0 < options.complexity.threshold < 1


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "classifiers: {sensitivity: {regex_recognizers: [{entity: X, patterns: "
            "[{name: bad, regex: '(', score: 0.5}]}]}}",
            "invalid regex",
        ),
        ("classifiers: {sensitivity: {entity_levels: {US_SSN: secret}}}", "entity_levels"),
        ("classifiers: {sensitivity: {deny_lists: [{entity: lower_case, terms: [x]}]}}", "entity"),
        ("classifiers: {complexity: {threshold: 1.5}}", "threshold"),
        ("classifiers: {sensitivity: {combinations: [{all: [PERSON], level: public}]}}", "all"),
        ("classifiers: {sensitivity: {bogus: 1}}", "bogus"),
        # A language nothing reads may not be declared covered: its text would pass as
        # public.
        ("classifiers: {sensitivity: {languages: [en, es]}}", "cannot read"),
        ("classifiers: {sensitivity: {languages: [English]}}", "ISO 639-1"),
    ],
)
def test_bad_options_are_refused_with_their_path(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml_text)
    with pytest.raises(ClassifierConfigError, match=message):
        load_classifier_options(policy)


def test_classifiers_from_is_followed() -> None:
    # `hybridgate classify --policy <example>` must see the recognizers the gateway sees.
    example = DEFAULT_POLICY.parent / "examples" / "healthcare.yaml"
    assert load_classifier_options(example) == load_classifier_options(DEFAULT_POLICY)
