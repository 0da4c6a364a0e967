"""Prints how similar the *dev* split's prompts are to the policy's semantic-context
exemplars, per entity: the numbers to choose `threshold` from (a prompt nearer one of
the context's `unlike` sentences counts as 0). The held-out split is never read.

    .venv/bin/python tools/tune_context.py [--policy policies/default.yaml]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.embedding import MiniLM  # noqa: E402

DATA = ROOT / "gateway" / "classify" / "data" / "eval" / "sensitivity.jsonl"
# The categories where each context is what makes the prompt sensitive.
CONTEXT_CATEGORIES = {
    "HEALTH_CONTEXT": {"health", "health_context"},
    "HR_CONTEXT": {"hr", "hr_context"},
    "FINANCIAL_CONTEXT": {"financial_context"},
}


def quantiles(values: np.ndarray) -> str:
    points = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]) if len(values) else []
    return " ".join(f"{p:.2f}" for p in points)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", type=Path, default=ROOT / "policies" / "default.yaml")
    args = parser.parse_args()
    policy = yaml.safe_load(args.policy.read_text(encoding="utf-8"))
    contexts = policy["classifiers"]["sensitivity"].get("semantic_context", [])
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line]
    dev = [row for row in rows if row["split"] == "dev"]
    model = MiniLM()
    vectors = model.embed([row["text"] for row in dev]).vectors
    for context in contexts:
        entity = context["entity"]
        exemplars = model.embed(context["exemplars"]).vectors
        best = (vectors @ exemplars.T).max(axis=1)
        if context.get("unlike"):
            # Nearer an `unlike` sentence: not found, whatever the threshold.
            unlike = (vectors @ model.embed(context["unlike"]).vectors.T).max(axis=1)
            best = np.where(unlike >= best, 0.0, best)
        wanted = np.array([row["category"] in CONTEXT_CATEGORIES.get(entity, ()) for row in dev])
        harmless = np.array([not row["sensitive"] for row in dev])
        threshold = context["threshold"]
        print(f"{entity} (threshold {threshold}) similarity quantiles 5/25/50/75/95%:")
        print(f"  {entity.lower()} prompts ({wanted.sum()}): {quantiles(best[wanted])}")
        print(f"  harmless prompts ({harmless.sum()}): {quantiles(best[harmless])}")
        print(
            f"  at threshold: {np.mean(best[wanted] >= threshold):.2f} of context prompts, "
            f"{np.mean(best[harmless] >= threshold):.2f} of harmless ones"
        )


if __name__ == "__main__":
    main()
