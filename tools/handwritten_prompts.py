"""The hand-written groups for what the cue-based classifiers get wrong (issue 18), read
from tools/datasets/handwritten_dev.json and handwritten_heldout.json.

Each group has its own dev and held-out lists, written separately: no prompt, template
or quoted passage is shared between them. The held-out lists were written before any
classifier change and are never read by training or tuning (tools/train_complexity.py
and the policy's exemplars use dev only). tools/build_datasets.py adds them to the
evaluation sets as the categories the files name, in their order, and then the encoded
groups built by tools/encoded_prompts.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from encoded_prompts import encoded_harmless_dev, encoded_sensitive_dev

DATASETS = Path(__file__).resolve().parent / "datasets"
DEV_PATH = DATASETS / "handwritten_dev.json"
HELDOUT_PATH = DATASETS / "handwritten_heldout.json"


@dataclass(frozen=True)
class Group:
    category: str
    label: bool
    dev: list[str]
    heldout: list[str]


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _groups(kind: str, label_key: str) -> list[Group]:
    heldout = _read(HELDOUT_PATH)
    return [
        Group(
            group["category"],
            group[label_key],
            group["dev"],
            heldout.get(group["category"], []),
        )
        for group in _read(DEV_PATH)[kind]
    ]


def complexity_groups() -> list[Group]:
    return _groups("complexity", "complex")


def sensitivity_groups() -> list[Group]:
    # The encoded groups (issue 28): harmless encodings that must stay public, and values
    # only their decoding shows; dev only, after every earlier group so no id moves.
    return [
        *_groups("sensitivity", "sensitive"),
        Group("encoded_harmless", False, encoded_harmless_dev(), []),
        Group("encoded_sensitive", True, encoded_sensitive_dev(), []),
    ]
