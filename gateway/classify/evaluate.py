"""Scores the classifiers on a labelled set: sensitivity recall, leaks and false
positives; complexity AUROC and accuracy at the policy threshold."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.classify.extract import Segment
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level

# The labelled sets ship in the package (data/eval; tools/build_datasets.py writes
# them), so an installed `hybridgate eval` needs no checkout. Paths, not resources:
# the report names the file it read, and a wheel installs as plain files.
EVAL_DATA = Path(__file__).parent / "data" / "eval"
DEFAULT_SETS = (
    EVAL_DATA / "sensitivity.jsonl",
    EVAL_DATA / "complexity.jsonl",
    # The other covered languages' prompts: each row names its language, and each
    # language is scored on its own (a row without one is English).
    EVAL_DATA / "sensitivity_languages.jsonl",
    EVAL_DATA / "complexity_languages.jsonl",
)
ENGLISH = "en"
# At or above this level a prompt stays on the edge under the shipped policy.
SENSITIVE_FROM = Level.CONFIDENTIAL


@dataclass(frozen=True)
class SensitivityReport:
    examples: int
    sensitive: int
    recall: float
    leaks: int
    false_positive_rate: float
    leaked_ids: tuple[str, ...]
    false_positive_ids: tuple[str, ...]
    # Prompts in a language the policy does not cover: unclassified (`language`), so
    # kept from the cloud under the default policy whatever their level.
    unread: int = 0


@dataclass(frozen=True)
class ComplexityReport:
    examples: int
    auroc: float
    accuracy: float
    threshold: float
    # Mean squared error of the score as a probability: how well calibrated it is.
    brier: float


def load_set(path: Path, split: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if split in (None, "all") or row.get("split") == split]


def evaluate_sensitivity(
    classifiers: Classifiers, rows: Sequence[dict[str, Any]]
) -> SensitivityReport:
    leaked: list[str] = []
    false_positives: list[str] = []
    unread = 0
    sensitive = sum(1 for row in rows if row["sensitive"])
    for row in rows:
        signal = classifiers.sensitivity.classify([Segment("user", row["text"])])
        unread += bool(signal.languages)
        flagged = signal.level >= SENSITIVE_FROM
        if row["sensitive"] and not flagged:
            leaked.append(row["id"])
        elif flagged and not row["sensitive"]:
            false_positives.append(row["id"])
    harmless = len(rows) - sensitive
    return SensitivityReport(
        examples=len(rows),
        sensitive=sensitive,
        recall=(sensitive - len(leaked)) / sensitive if sensitive else 1.0,
        leaks=len(leaked),
        false_positive_rate=len(false_positives) / harmless if harmless else 0.0,
        leaked_ids=tuple(leaked),
        false_positive_ids=tuple(false_positives),
        unread=unread,
    )


def evaluate_complexity(
    classifiers: Classifiers, rows: Sequence[dict[str, Any]], threshold: float
) -> ComplexityReport:
    scored = [
        (classifiers.complexity.score_text(row["text"]).score, row["complex"]) for row in rows
    ]
    correct = sum(1 for score, label in scored if (score >= threshold) == label)
    return ComplexityReport(
        examples=len(rows),
        auroc=auroc(scored),
        accuracy=correct / len(scored) if scored else 0.0,
        threshold=threshold,
        brier=sum((score - label) ** 2 for score, label in scored) / len(scored) if scored else 0.0,
    )


def auroc(scored: Iterable[tuple[float, bool]]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    pairs = sorted(scored)
    positives = sum(1 for _, label in pairs if label)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        average_rank = (i + j + 1) / 2.0  # ranks are 1-based
        rank_sum += average_rank * sum(1 for _, label in pairs[i:j] if label)
        i = j
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


# What `--split both` (the default) prints: each split on its own, since dev is what
# the classifiers were tuned on and only held-out measures generalisation.
BOTH = ("dev", "heldout")


def run_evaluation(classifiers: Classifiers, sets: Sequence[Path], split: str) -> str:
    """The report `hybridgate eval` prints: one block per set and split, by its label
    kind. Complexity is scored at the threshold the classifiers were built with (the
    policy's), so this module needs no policy file."""
    splits = BOTH if split == "both" else (split,)
    return "\n".join(_evaluate_split(classifiers, sets, one) for one in splits)


def _evaluate_split(classifiers: Classifiers, sets: Sequence[Path], split: str) -> str:
    threshold = classifiers.complexity.threshold
    lines: list[str] = []
    for path in sets:
        rows = load_set(path, split)
        if not rows:
            lines.append(f"{path} (split={split}): no examples")
            continue
        for language, language_rows in by_language(rows).items():
            label = f"{path} (split={split}" + (
                f", language={language})" if language != ENGLISH else ")"
            )
            lines += _report(classifiers, label, language_rows, threshold)
    return "\n".join(lines)


def by_language(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of each language, English first, in the order they came."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row.get("language", ENGLISH), []).append(row)
    return dict(sorted(grouped.items(), key=lambda item: (item[0] != ENGLISH, item[0])))


def _report(
    classifiers: Classifiers, label: str, rows: Sequence[dict[str, Any]], threshold: float
) -> list[str]:
    if "sensitive" in rows[0]:
        s = evaluate_sensitivity(classifiers, rows)
        return [
            f"{label}: sensitivity, {s.examples} prompts, {s.sensitive} sensitive",
            f"  recall {s.recall:.4f}  leaks {s.leaks}  "
            f"false-positive rate {s.false_positive_rate:.4f}",
            f"  leaked: {', '.join(s.leaked_ids) or '-'}",
            f"  false positives: {', '.join(s.false_positive_ids) or '-'}",
            *(
                [f"  in a language the policy does not cover (unclassified): {s.unread}"]
                if s.unread
                else []
            ),
        ]
    c = evaluate_complexity(classifiers, rows, threshold)
    return [
        f"{label}: complexity, {c.examples} prompts",
        f"  AUROC {c.auroc:.4f}  accuracy at threshold {c.threshold}: {c.accuracy:.4f}"
        f"  Brier {c.brier:.4f}",
    ]
