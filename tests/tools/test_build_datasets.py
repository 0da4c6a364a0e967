"""The evaluation sets are generated from the hand-written data in tools/datasets/: the
generator must reproduce the shipped sets byte for byte, so that neither drifts from
the other (edit the data files, then rerun the generator)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.classify.evaluate import EVAL_DATA

ROOT = Path(__file__).resolve().parents[2]
SETS = [
    "sensitivity.jsonl",
    "complexity.jsonl",
    "sensitivity_languages.jsonl",
    "complexity_languages.jsonl",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval")
    script = ROOT / "tools" / "build_datasets.py"
    done = subprocess.run(
        [sys.executable, str(script), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all checks passed" in done.stdout
    return out


@pytest.mark.parametrize("name", SETS)
def test_the_generator_reproduces_the_shipped_set(generated: Path, name: str) -> None:
    assert (generated / name).read_bytes() == (EVAL_DATA / name).read_bytes(), (
        f"{name} differs from what tools/build_datasets.py generates; run it"
    )


def test_the_generator_writes_only_where_it_is_told(generated: Path) -> None:
    assert sorted(p.name for p in generated.iterdir()) == sorted(SETS)
