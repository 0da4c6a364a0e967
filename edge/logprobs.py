"""Token log-probabilities from a logits row, and their OpenAI shapes (chat and text).

Computed only for requests that ask, from the model's raw distribution: before
temperature, penalties and grammar, as OpenAI reports them. One log-softmax over
the vocabulary per token, in numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Candidate:
    token: str
    bytes: bytes
    logprob: float


@dataclass(frozen=True)
class TokenLogprob:
    chosen: Candidate
    top: tuple[Candidate, ...]


def token_logprob(
    logits: npt.NDArray[np.float32], token: int, top_n: int, piece: Callable[[int], bytes]
) -> TokenLogprob:
    row = logits.astype(np.float64)
    peak = row.max()
    log_total = peak + np.log(np.exp(row - peak).sum())

    def candidate(t: int) -> Candidate:
        raw = piece(t)
        return Candidate(raw.decode("utf-8", errors="replace"), raw, float(row[t] - log_total))

    top: tuple[Candidate, ...] = ()
    if top_n > 0:
        best = np.argpartition(-row, top_n)[:top_n]
        top = tuple(candidate(int(t)) for t in best[np.argsort(-row[best])])
    return TokenLogprob(candidate(token), top)


def _entry(c: Candidate) -> dict[str, Any]:
    return {"token": c.token, "logprob": c.logprob, "bytes": list(c.bytes)}


def chat_logprobs(tokens: Sequence[TokenLogprob]) -> dict[str, Any]:
    """`choices[].logprobs` of a chat completion or chunk."""
    content = [_entry(t.chosen) | {"top_logprobs": [_entry(c) for c in t.top]} for t in tokens]
    return {"content": content, "refusal": None}


def text_logprobs(tokens: Sequence[TokenLogprob], offset: int = 0) -> dict[str, Any]:
    """`choices[].logprobs` of a legacy completion; `offset` is where the text starts."""
    offsets = []
    for t in tokens:
        offsets.append(offset)
        offset += len(t.chosen.token)
    return {
        "tokens": [t.chosen.token for t in tokens],
        "token_logprobs": [t.chosen.logprob for t in tokens],
        "top_logprobs": [{c.token: c.logprob for c in t.top} for t in tokens],
        "text_offset": offsets,
    }
