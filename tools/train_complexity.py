"""Trains the complexity model on the *dev* split of
gateway/classify/data/eval/complexity.jsonl and writes
gateway/classify/data/complexity_model.json. The held-out split is never read.

    .venv/bin/python tools/train_complexity.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.classify.complexity_features import features  # noqa: E402

DATA = ROOT / "gateway" / "classify" / "data" / "eval" / "complexity.jsonl"
OUT = ROOT / "gateway" / "classify" / "data" / "complexity_model.json"
MIN_WORD_COUNT = 2


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line]
    dev = [row for row in rows if row["split"] == "dev"]
    feature_rows = [features(row["text"]) for row in dev]
    # Words seen once would only memorise single prompts.
    counts: dict[str, int] = {}
    for row in feature_rows:
        for name in row:
            counts[name] = counts.get(name, 0) + 1
    kept = [{k: v for k, v in row.items() if counts[k] >= MIN_WORD_COUNT} for row in feature_rows]
    labels = [bool(row["complex"]) for row in dev]
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(kept)
    best_c, best_auc = 1.0, -1.0
    for c in (0.1, 0.3, 1.0, 3.0, 10.0):
        model = LogisticRegression(C=c, max_iter=5000)
        auc = cross_val_score(model, x, labels, cv=5, scoring="roc_auc").mean()
        print(f"C={c}: 5-fold AUROC on dev {auc:.3f}")
        if auc > best_auc:
            best_c, best_auc = c, auc
    model = LogisticRegression(C=best_c, max_iter=5000).fit(x, labels)
    weights = {
        name: round(float(weight), 5)
        for name, weight in zip(vectorizer.get_feature_names_out(), model.coef_[0], strict=True)
        if abs(weight) > 1e-4
    }
    OUT.write_text(
        json.dumps(
            {
                "version": 1,
                "trained_on": "gateway/classify/data/eval/complexity.jsonl split=dev",
                "C": best_c,
                "bias": round(float(model.intercept_[0]), 5),
                "weights": dict(sorted(weights.items())),
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(ROOT)}: {len(weights)} weights, C={best_c}")


if __name__ == "__main__":
    main()
