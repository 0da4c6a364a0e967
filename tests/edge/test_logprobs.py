"""Log-probabilities from a logits row, and their chat and text shapes."""

from __future__ import annotations

import math

import numpy as np

from edge.logprobs import chat_logprobs, text_logprobs, token_logprob

PIECES = {0: b"a", 1: b"b", 2: b"\xe2\x82", 3: b"d"}


def _piece(token: int) -> bytes:
    return PIECES[token]


def test_logprobs_are_a_log_softmax_and_top_is_sorted() -> None:
    logits = np.array([1.0, 3.0, 2.0, 0.0], dtype=np.float32)
    result = token_logprob(logits, 2, 3, _piece)
    total = sum(math.exp(x) for x in logits.tolist())
    assert math.isclose(result.chosen.logprob, 2.0 - math.log(total), rel_tol=1e-6)
    assert [c.bytes for c in result.top] == [b"b", b"\xe2\x82", b"a"]
    assert result.chosen.token == "\ufffd"  # a partial UTF-8 character; bytes keep it whole
    assert math.isclose(
        sum(math.exp(c.logprob) for c in result.top) + math.exp(0.0 - math.log(total)), 1.0
    )


def test_no_alternatives_when_none_are_asked_for() -> None:
    logits = np.zeros(4, dtype=np.float32)
    assert token_logprob(logits, 0, 0, _piece).top == ()


def test_chat_and_text_shapes() -> None:
    logits = np.array([0.0, 1.0, 0.0, 0.0], dtype=np.float32)
    tokens = [token_logprob(logits, 0, 1, _piece), token_logprob(logits, 3, 1, _piece)]
    chat = chat_logprobs(tokens)
    assert chat["content"][0]["token"] == "a"
    assert chat["content"][0]["bytes"] == [97]
    assert chat["content"][0]["top_logprobs"][0]["token"] == "b"
    text = text_logprobs(tokens, offset=5)
    assert text["tokens"] == ["a", "d"]
    assert text["text_offset"] == [5, 6]
    assert text["top_logprobs"][1] == {"b": chat["content"][1]["top_logprobs"][0]["logprob"]}
