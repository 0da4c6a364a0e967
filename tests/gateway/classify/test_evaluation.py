"""The thresholds the shipped labelled set must meet, and the eval/classify commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.classify.evaluate import (
    EVAL_DATA,
    auroc,
    evaluate_complexity,
    evaluate_sensitivity,
    load_set,
)
from gateway.classify.registry import Classifiers
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY

DATA = EVAL_DATA  # the sets ship in the package
ROOT = Path(__file__).resolve().parents[3]


# The groups written by hand for issue 18 (tools/datasets/handwritten_*.json): harder than
# the templated categories, and mostly held out.
HANDWRITTEN = {
    "short_hard",
    "long_easy",
    "health_context",
    "hr_context",
    "financial_context",
    "context_topic",
}


def test_sensitivity_meets_the_thresholds_on_the_shipped_set(classifiers: Classifiers) -> None:
    # The templated categories, both splits: the bar they have always met.
    rows = [r for r in load_set(DATA / "sensitivity.jsonl") if r["category"] not in HANDWRITTEN]
    report = evaluate_sensitivity(classifiers, rows)
    assert report.examples >= 400
    assert report.recall >= 0.98, report.leaked_ids
    assert report.false_positive_rate <= 0.05, report.false_positive_ids


def test_sensitivity_finds_context_beyond_the_term_lists(classifiers: Classifiers) -> None:
    # The held-out split, hand-written context prompts included: issue 18's target
    # (the term lists alone found 0.63 of its sensitive rows).
    heldout = evaluate_sensitivity(classifiers, load_set(DATA / "sensitivity.jsonl", "heldout"))
    assert heldout.recall >= 0.98, heldout.leaked_ids
    assert heldout.false_positive_rate <= 0.02, heldout.false_positive_ids


def test_complexity_meets_the_threshold_on_the_shipped_set(classifiers: Classifiers) -> None:
    threshold = load_classifier_options(DEFAULT_POLICY).complexity.threshold
    report = evaluate_complexity(classifiers, load_set(DATA / "complexity.jsonl"), threshold)
    assert report.examples >= 250
    assert report.auroc >= 0.90


def test_complexity_meets_issue_18_targets_on_the_held_out_split(
    classifiers: Classifiers,
) -> None:
    # The model is trained on dev only (tools/train_complexity.py).
    threshold = load_classifier_options(DEFAULT_POLICY).complexity.threshold
    rows = load_set(DATA / "complexity.jsonl", "heldout")
    report = evaluate_complexity(classifiers, rows, threshold)
    assert report.auroc >= 0.97
    assert report.accuracy >= 0.93


def test_no_template_is_shared_between_splits() -> None:
    # Rows filled from one template share their text once the values are masked.
    def skeleton(text: str) -> str:
        return re.sub(r"[A-Z][a-z]+|\d|[A-Za-z0-9+/=_-]{12,}", "#", text)

    for name in ("sensitivity.jsonl", "complexity.jsonl"):
        rows = load_set(DATA / name)
        dev = {skeleton(r["text"]) for r in rows if r["split"] == "dev"}
        shared = [r["id"] for r in rows if r["split"] == "heldout" and skeleton(r["text"]) in dev]
        assert not shared, shared


def test_splits_are_both_present() -> None:
    for name in ("sensitivity.jsonl", "complexity.jsonl"):
        assert load_set(DATA / name, "heldout")
        assert load_set(DATA / name, "dev")


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        ([(0.9, True), (0.1, False)], 1.0),
        ([(0.1, True), (0.9, False)], 0.0),
        ([(0.5, True), (0.5, False)], 0.5),
        ([(0.8, True), (0.6, False), (0.4, True), (0.2, False)], 0.75),
    ],
)
def test_auroc(scored: list[tuple[float, bool]], expected: float) -> None:
    assert auroc(scored) == pytest.approx(expected)


def hybridgate(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return result.stdout


def test_classify_command_prints_signals_as_json() -> None:
    out = hybridgate("classify", "--json", "My SSN is 536-22-8741, can you store it?")
    signals = json.loads(out)
    assert signals["sensitivity"]["level"] == "restricted"
    assert "536-22-8741" not in out
    assert signals["complexity"]["label"] in {"simple", "complex"}


def test_eval_command_reports_both_kinds(tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"id": "a", "text": "Card 4111 1111 1111 1111", "sensitive": True, "split": "dev"},
                {"id": "b", "text": "What is 2+2?", "sensitive": False, "split": "dev"},
            ]
        )
    )
    out = hybridgate("eval", "--set", str(small), "--set", str(DATA / "complexity.jsonl"))
    assert "recall 1.0000  leaks 0" in out
    assert "AUROC" in out
    # Both splits, each on its own: dev and held-out.
    assert "complexity.jsonl (split=dev): complexity" in out
    assert "complexity.jsonl (split=heldout): complexity" in out
    assert "small.jsonl (split=heldout): no examples" in out


def test_eval_scores_the_shipped_sets_outside_a_checkout(tmp_path: Path) -> None:
    # From an empty directory, as an installed `hybridgate eval` runs: the default sets
    # come from the package, not from the working directory.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    policy = str(DEFAULT_POLICY)
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "eval", "--split", "heldout", "--policy", policy],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    )
    assert "eval/sensitivity.jsonl (split=heldout): sensitivity, " in result.stdout
    assert "eval/complexity.jsonl (split=heldout): complexity, " in result.stdout
