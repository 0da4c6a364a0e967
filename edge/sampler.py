"""A per-slot llama.cpp sampler chain built from OpenAI sampling options, with an
optional grammar every token must follow."""

from __future__ import annotations

import ctypes
import math
import random

import llama_cpp
import numpy as np
import numpy.typing as npt

from common.errors import InvalidRequest
from edge.engine import SamplingOptions

# How many recent tokens presence and frequency penalties look at.
PENALTY_WINDOW = 64


class Sampler:
    """Owns a llama_sampler chain; `close()` frees it. One per running sequence, so
    each request keeps its own seed, penalties history, temperature and grammar."""

    def __init__(
        self, options: SamplingOptions, vocab: llama_cpp.llama_vocab_p, n_vocab: int
    ) -> None:
        self._n_vocab = n_vocab
        self._grammar: _GrammarCheck | None = None
        if options.grammar is not None:
            # First: a grammar that does not compile leaves nothing to free.
            self._grammar = _GrammarCheck(vocab, options.grammar, n_vocab)
        params = llama_cpp.llama_sampler_chain_default_params()
        params.no_perf = True
        self._chain = llama_cpp.llama_sampler_chain_init(params)
        for stage in self._stages(options, n_vocab):
            llama_cpp.llama_sampler_chain_add(self._chain, stage)

    @staticmethod
    def _stages(options: SamplingOptions, n_vocab: int) -> list[llama_cpp.llama_sampler_p]:
        stages = []
        if options.presence_penalty or options.frequency_penalty:
            stages.append(
                llama_cpp.llama_sampler_init_penalties(
                    n_vocab,
                    PENALTY_WINDOW,
                    1.0,
                    options.frequency_penalty,
                    options.presence_penalty,
                )
            )
        if options.temperature == 0:
            # OpenAI's temperature 0: the most likely token, every time.
            return [*stages, llama_cpp.llama_sampler_init_greedy()]
        # OpenAI semantics: only temperature and top_p shape the distribution, so
        # llama.cpp's extra truncations (top-k, min-p) are not added.
        if options.top_p < 1.0:
            stages.append(llama_cpp.llama_sampler_init_top_p(options.top_p, 1))
        seed = options.seed if options.seed is not None else random.getrandbits(32)
        stages.append(llama_cpp.llama_sampler_init_temp(options.temperature))
        stages.append(llama_cpp.llama_sampler_init_dist(seed))
        return stages

    @property
    def constrained(self) -> bool:
        return self._grammar is not None

    def sample(self, ctx: llama_cpp.llama_context_p, index: int) -> int:
        """Samples from the logits of the batch entry `index`, and records the token in
        the chain's history (penalties) and the grammar's state."""
        if self._grammar is None:
            return int(llama_cpp.llama_sampler_sample(self._chain, ctx, index))
        logits = logits_row(ctx, index, self._n_vocab)
        token = self._grammar.sample(self._chain, logits)
        llama_cpp.llama_sampler_accept(self._chain, token)
        return token

    def close(self) -> None:
        if self._chain is not None:
            llama_cpp.llama_sampler_free(self._chain)
            self._chain = None
        if self._grammar is not None:
            self._grammar.close()
            self._grammar = None


def logits_row(ctx: llama_cpp.llama_context_p, index: int, n_vocab: int) -> npt.NDArray[np.float32]:
    """The logits of batch entry `index`, as a view (valid until the next decode)."""
    pointer = llama_cpp.llama_get_logits_ith(ctx, index)
    return np.ctypeslib.as_array(pointer, shape=(n_vocab,))


class _GrammarCheck:
    """A grammar applied the way llama.cpp's common sampler does ("grammar first
    check"): sample without it, check only the chosen token against it, and apply it
    to the whole vocabulary only when that token is rejected. Checking 49k candidates
    against the grammar at every step would cost more than the decode itself."""

    def __init__(self, vocab: llama_cpp.llama_vocab_p, grammar: str, n_vocab: int) -> None:
        self._sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
        if not self._sampler:
            raise InvalidRequest("the grammar built from this request does not compile")
        self._candidates = (llama_cpp.llama_token_data * n_vocab)()
        self._fields = np.ctypeslib.as_array(self._candidates)
        self._ids = np.arange(n_vocab, dtype=np.int32)
        self._array = llama_cpp.llama_token_data_array(self._candidates, n_vocab, -1, False)
        self._single = llama_cpp.llama_token_data(0, 0.0, 0.0)
        self._single_array = llama_cpp.llama_token_data_array(
            ctypes.pointer(self._single), 1, -1, False
        )

    def sample(self, chain: llama_cpp.llama_sampler_p, logits: npt.NDArray[np.float32]) -> int:
        token = self._apply(chain, logits, constrained=False)
        if not self._allows(token):
            token = self._apply(chain, logits, constrained=True)
        llama_cpp.llama_sampler_accept(self._sampler, token)
        return token

    def _apply(
        self, chain: llama_cpp.llama_sampler_p, logits: npt.NDArray[np.float32], constrained: bool
    ) -> int:
        self._fields["id"] = self._ids
        self._fields["logit"] = logits
        self._fields["p"] = 0.0
        array = self._array
        array.data = self._candidates
        array.size = len(self._ids)
        array.selected = -1
        array.sorted = False
        pointer = ctypes.byref(array)
        if constrained:
            llama_cpp.llama_sampler_apply(self._sampler, pointer)
        llama_cpp.llama_sampler_apply(chain, pointer)
        return int(array.data[array.selected].id)

    def _allows(self, token: int) -> bool:
        self._single.id = token  # type: ignore[assignment]
        self._single.logit = 1.0
        self._single_array.size = 1
        self._single_array.selected = -1
        self._single_array.sorted = False
        llama_cpp.llama_sampler_apply(self._sampler, ctypes.byref(self._single_array))
        return not math.isinf(self._single.logit)

    def close(self) -> None:
        llama_cpp.llama_sampler_free(self._sampler)
