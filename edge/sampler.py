"""A per-slot llama.cpp sampler chain built from OpenAI sampling options."""

from __future__ import annotations

import random

import llama_cpp

from edge.engine import SamplingOptions

# How many recent tokens presence and frequency penalties look at.
PENALTY_WINDOW = 64


class Sampler:
    """Owns a llama_sampler chain; `close()` frees it. One per running sequence, so
    each request keeps its own seed, penalties history and temperature."""

    def __init__(self, options: SamplingOptions, n_vocab: int) -> None:
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

    def sample(self, ctx: llama_cpp.llama_context_p, index: int) -> int:
        """Samples from the logits of the batch entry `index`, and records the token in
        the chain's history (penalties)."""
        return int(llama_cpp.llama_sampler_sample(self._chain, ctx, index))

    def close(self) -> None:
        if self._chain is not None:
            llama_cpp.llama_sampler_free(self._chain)
            self._chain = None
