"""The llama.cpp engine: chat templating from GGUF metadata, tokenizing, decoding.

Instances are not thread-safe; the scheduler's single worker thread owns one.
"""

from __future__ import annotations

import codecs
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import llama_cpp
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from edge.engine import Delta, Finished, PreparedPrompt, Prompt, SamplingOptions
from edge.errors import ContextLengthExceeded, InvalidRequest
from edge.stops import StopScanner


class LlamaEngine:
    def __init__(self, model_path: Path, model_id: str, n_ctx: int, n_threads: int | None) -> None:
        self.model_id = model_id
        self._llm = llama_cpp.Llama(
            model_path=str(model_path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            verbose=False,
        )
        self.n_ctx: int = self._llm.n_ctx()
        self._vocab = self._llm._model.vocab  # the public API has no is-end-of-generation check
        self._formatter = self._chat_formatter()

    def _chat_formatter(self) -> Jinja2ChatFormatter | None:
        template = self._llm.metadata.get("tokenizer.chat_template")
        if template is None:
            return None
        eos, bos = self._llm.token_eos(), self._llm.token_bos()
        return Jinja2ChatFormatter(
            template=template,
            eos_token=self._token_text(eos),
            bos_token=self._token_text(bos),
            stop_token_ids=[eos],
        )

    def _token_text(self, token: int) -> str:
        return "" if token == -1 else self._llm._model.token_get_text(token)

    def prepare(self, prompt: Prompt, options: SamplingOptions) -> PreparedPrompt:
        text, template_stops = self._render(prompt)
        tokens = self._llm.tokenize(
            text.encode("utf-8"), add_bos=isinstance(prompt, str), special=True
        )
        room = self.n_ctx - len(tokens)
        if room <= 0 or (options.max_tokens is not None and options.max_tokens > room):
            asked = len(tokens) + (options.max_tokens or 0)
            raise ContextLengthExceeded(
                f"This model's maximum context length is {self.n_ctx} tokens. "
                f"However, you requested {asked} tokens ({len(tokens)} in the prompt, "
                f"{options.max_tokens or 0} for the completion).",
                param="messages" if isinstance(prompt, list) else "prompt",
            )
        limit = min(options.max_tokens or options.default_max_tokens, room)
        return PreparedPrompt(tuple(tokens), limit, options.stop + template_stops, options)

    def _render(self, prompt: Prompt) -> tuple[str, tuple[str, ...]]:
        if isinstance(prompt, str):
            return prompt, ()
        if self._formatter is None:
            raise InvalidRequest(
                "this model has no chat template; use /v1/completions", param="messages"
            )
        try:
            rendered = self._formatter(messages=prompt)  # type: ignore[arg-type]
        except ValueError as exc:  # the template's own raise_exception()
            raise InvalidRequest(f"messages: {exc}", param="messages") from exc
        stop = rendered.stop
        stops = (stop,) if isinstance(stop, str) else tuple(stop or ())
        return rendered.prompt, stops

    def generate(
        self, prepared: PreparedPrompt, should_stop: Callable[[], bool]
    ) -> Iterator[Delta | Finished]:
        options = prepared.options
        self._llm.set_seed(options.seed if options.seed is not None else random.getrandbits(32))
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        scanner = StopScanner(prepared.stop)
        produced, reason = 0, "length"
        cached = self._reusable_prefix(prepared.tokens)
        for token in self._llm.generate(list(prepared.tokens), **self._sampling(options)):
            if should_stop():
                reason = "cancelled"
                break
            if llama_cpp.llama_vocab_is_eog(self._vocab, token):
                reason = "stop"
                break
            produced += 1
            text, stopped = scanner.feed(decoder.decode(self._llm.detokenize([token])))
            if text:
                yield Delta(text)
            if stopped:
                reason = "stop"
                break
            if produced >= prepared.max_tokens:
                break
        if reason != "stop":
            tail = scanner.flush() + decoder.decode(b"", final=True)
            if tail:
                yield Delta(tail)
        yield Finished(reason, len(prepared.tokens), produced, cached)

    def _reusable_prefix(self, tokens: tuple[int, ...]) -> int:
        """The prompt tokens llama.cpp will take from its KV cache instead of evaluating:
        the longest prefix shared with what the context already holds, short of the
        last token, which must always be evaluated (Llama.generate's own rule)."""
        held = self._llm.input_ids[: self._llm.n_tokens]
        shared = 0
        for held_token, token in zip(held, tokens[:-1], strict=False):
            if held_token != token:
                break
            shared += 1
        return shared

    @staticmethod
    def _sampling(options: SamplingOptions) -> dict[str, Any]:
        # OpenAI semantics: only temperature and top_p shape the distribution, so
        # llama.cpp's extra truncations (top-k, min-p) are switched off.
        return {
            "temp": options.temperature,
            "top_p": options.top_p,
            "top_k": 0,
            "min_p": 0.0,
            "repeat_penalty": 1.0,
            "presence_penalty": options.presence_penalty,
            "frequency_penalty": options.frequency_penalty,
        }
