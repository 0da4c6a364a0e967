"""The llama.cpp batching engine: one context, several sequences decoded together.

Built on llama-cpp-python's low-level API (llama_batch, llama_decode, llama_memory_*),
the way llama.cpp's own server runs parallel slots. Instances are not thread-safe; the
scheduler's single worker thread owns one.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import llama_cpp
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from common.errors import ContextLengthExceeded, InvalidRequest
from edge.engine import Finished, PreparedPrompt, Prompt, SamplingOptions, SlotEvent
from edge.generation import Generation
from edge.llama_compat import quiet_native_logs
from edge.logprobs import TokenLogprob, token_logprob
from edge.sampler import Sampler, logits_row
from edge.slots import SlotTable, Work, plan_step


class EngineFault(RuntimeError):
    """llama_decode failed; every running sequence is lost and the slots are reset."""


class LlamaEngine:
    def __init__(
        self,
        model_path: Path,
        model_id: str,
        *,
        n_slots: int,
        n_ctx_slot: int,
        n_threads: int,
        prefill_chunk: int,
    ) -> None:
        self.model_id = model_id
        self.n_slots = n_slots
        self.n_ctx = n_ctx_slot
        self._prefill_chunk = prefill_chunk
        quiet_native_logs()  # llama.cpp's load chatter is not this server's log
        llama_cpp.llama_backend_init()
        self._model = llama_cpp.llama_model_load_from_file(
            str(model_path).encode(), llama_cpp.llama_model_default_params()
        )
        if not self._model:
            raise RuntimeError(f"llama.cpp could not load {model_path}")
        self._vocab = llama_cpp.llama_model_get_vocab(self._model)
        self._n_vocab = llama_cpp.llama_vocab_n_tokens(self._vocab)
        self._longest_token = self._longest_token_bytes()
        self._ctx = llama_cpp.llama_init_from_model(self._model, self._context_params(n_threads))
        if not self._ctx:
            raise RuntimeError("llama.cpp could not create a context")
        self._memory = llama_cpp.llama_get_memory(self._ctx)
        # Decode tokens of every slot plus one step's prompt chunk.
        self._batch_size = n_slots + prefill_chunk
        self._batch = llama_cpp.llama_batch_init(self._batch_size, 0, 1)
        self._slots = SlotTable(n_slots)
        self._samplers: dict[int, Sampler] = {}
        self._piece = ctypes.create_string_buffer(64)
        self._formatter = self._chat_formatter()

    def _context_params(self, n_threads: int) -> llama_cpp.llama_context_params:
        params: llama_cpp.llama_context_params = llama_cpp.llama_context_default_params()
        params.n_ctx = self.n_slots * self.n_ctx
        params.n_batch = params.n_ubatch = self.n_slots + self._prefill_chunk
        params.n_seq_max = self.n_slots
        # One KV stream per slot: each sequence attends over its own cache only,
        # instead of over every slot's masked-out entries.
        params.kv_unified = False
        params.n_threads = params.n_threads_batch = n_threads
        params.no_perf = True
        return params

    # -- prompts ---------------------------------------------------------------------

    def _chat_formatter(self) -> Jinja2ChatFormatter | None:
        template = self._metadata("tokenizer.chat_template")
        if template is None:
            return None
        eos, bos = llama_cpp.llama_vocab_eos(self._vocab), llama_cpp.llama_vocab_bos(self._vocab)
        return Jinja2ChatFormatter(
            template=template,
            eos_token=self._token_text(eos),
            bos_token=self._token_text(bos),
            stop_token_ids=[eos],
        )

    def _metadata(self, key: str) -> str | None:
        size = llama_cpp.llama_model_meta_val_str(self._model, key.encode(), None, 0)
        if size < 0:
            return None
        buffer = ctypes.create_string_buffer(size + 1)
        llama_cpp.llama_model_meta_val_str(self._model, key.encode(), buffer, size + 1)
        return buffer.value.decode("utf-8")

    def _token_text(self, token: int) -> str:
        if token == -1:
            return ""
        text: bytes = llama_cpp.llama_vocab_get_text(self._vocab, token)
        return text.decode("utf-8")

    def _longest_token_bytes(self) -> int:
        """The most bytes of text one token stands for: its vocabulary text is at least
        as long (a byte-level BPE writes a byte as one or two)."""
        return max(
            len(llama_cpp.llama_vocab_get_text(self._vocab, token) or b"")
            for token in range(self._n_vocab)
        )

    def prepare(self, prompt: Prompt, options: SamplingOptions) -> PreparedPrompt:
        text, template_stops = self._render(prompt)
        encoded = text.encode("utf-8")
        if len(encoded) > self.n_ctx * self._longest_token:
            # No tokenization can fit it: refused before tokenizing, which costs the
            # engine's thread seconds on hundreds of kilobytes while every slot waits.
            raise ContextLengthExceeded(
                f"This model's maximum context length is {self.n_ctx} tokens. However,"
                f" the prompt is {len(encoded)} bytes, more than {self.n_ctx} tokens of at"
                f" most {self._longest_token} bytes each can hold.",
                param="messages" if isinstance(prompt, list) else "prompt",
            )
        tokens = self._tokenize(encoded, add_bos=isinstance(prompt, str))
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
        # Under a grammar the end of generation is the grammar's (only then may the
        # model emit end-of-turn): a template stop spelt out inside a JSON string must
        # not cut the JSON.
        stops = options.stop + (template_stops if options.grammar is None else ())
        return PreparedPrompt(tuple(tokens), limit, stops, options)

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

    def _tokenize(self, text: bytes, add_bos: bool) -> list[int]:
        capacity = len(text) + 2
        tokens = (llama_cpp.llama_token * capacity)()
        n = llama_cpp.llama_tokenize(self._vocab, text, len(text), tokens, capacity, add_bos, True)
        if n < 0:  # never more tokens than bytes plus BOS/EOS, but llama.cpp says so
            capacity = -n
            tokens = (llama_cpp.llama_token * capacity)()
            n = llama_cpp.llama_tokenize(
                self._vocab, text, len(text), tokens, capacity, add_bos, True
            )
        return list(tokens[:n])

    # -- slots -----------------------------------------------------------------------

    def admit(self, prepared: PreparedPrompt) -> int:
        # Built first: a grammar that does not compile fails the request, not a slot.
        sampler = Sampler(prepared.options, self._vocab, self._n_vocab)
        slot, keep = self._slots.choose(prepared.tokens)
        # Whatever the slot held beyond the shared prefix belongs to another prompt:
        # dropped here, so only identical tokens are ever reused.
        llama_cpp.llama_memory_seq_rm(self._memory, slot.index, keep, -1)
        self._slots.occupy(slot, Generation(prepared, keep), keep)
        self._samplers[slot.index] = sampler
        return slot.index

    def cancel(self, slot_index: int) -> Finished:
        slot = self._slots.slots[slot_index]
        assert slot.generation is not None
        finished = slot.generation.cancel()
        self._release(slot_index)
        return finished

    def _release(self, slot_index: int) -> None:
        self._slots.slots[slot_index].generation = None
        self._samplers.pop(slot_index).close()

    # -- decoding --------------------------------------------------------------------

    def step(self) -> list[SlotEvent]:
        work = plan_step(self._slots.busy(), self._prefill_chunk)
        if not work:
            return []
        sample_at = self._fill_batch(work)
        if (status := llama_cpp.llama_decode(self._ctx, self._batch)) != 0:
            self._reset()
            raise EngineFault(f"llama_decode failed with status {status}")
        events: list[SlotEvent] = []
        for item, index in zip(work, sample_at, strict=True):
            generation = item.slot.generation
            assert generation is not None
            item.slot.cached.extend(item.tokens)
            if generation.prefilling:
                del generation.pending[: len(item.tokens)]
            if index is None:
                continue
            sampler = self._samplers[item.slot.index]
            token = sampler.sample(self._ctx, index)
            generation.next_token = token
            eog = bool(llama_cpp.llama_vocab_is_eog(self._vocab, token))
            # A grammar reads control tokens as their text; so does the answer then.
            piece = b"" if eog else self._token_bytes(token, special=sampler.constrained)
            logprob = self._logprob(generation.prepared.options.logprobs, index, token, eog)
            for event in generation.accept(piece, eog, logprob):
                events.append((item.slot.index, event))
                if isinstance(event, Finished):
                    self._release(item.slot.index)
        return events

    def _fill_batch(self, work: list[Work]) -> list[int | None]:
        """Writes the step's tokens into the batch; returns, per work item, the batch
        index whose logits are sampled (None while a prompt is still being evaluated)."""
        batch = self._batch
        n = 0
        sample_at: list[int | None] = []
        for item in work:
            seq, start = item.slot.index, len(item.slot.cached)
            for offset, token in enumerate(item.tokens):
                batch.token[n] = token
                batch.pos[n] = start + offset
                batch.n_seq_id[n] = 1
                batch.seq_id[n][0] = seq
                batch.logits[n] = 0
                n += 1
            if item.sample:
                batch.logits[n - 1] = 1
                sample_at.append(n - 1)
            else:
                sample_at.append(None)
        batch.n_tokens = n
        return sample_at

    def _logprob(self, top_n: int | None, index: int, token: int, eog: bool) -> TokenLogprob | None:
        if top_n is None or eog:  # OpenAI reports no logprob for the end of turn
            return None
        logits = logits_row(self._ctx, index, self._n_vocab)
        return token_logprob(logits, token, top_n, self._token_bytes)

    def _token_bytes(self, token: int, special: bool = False) -> bytes:
        n = llama_cpp.llama_token_to_piece(self._vocab, token, self._piece, 64, 0, special)
        if n < 0:
            buffer = ctypes.create_string_buffer(-n)
            n = llama_cpp.llama_token_to_piece(self._vocab, token, buffer, -n, 0, special)
            return buffer.raw[:n]
        return self._piece.raw[:n]

    def _reset(self) -> None:
        for slot in self._slots.slots:
            slot.cached.clear()
            if slot.generation is not None:
                self._release(slot.index)
        llama_cpp.llama_memory_clear(self._memory, True)

    def close(self) -> None:
        for index in list(self._samplers):
            self._release(index)
        llama_cpp.llama_batch_free(self._batch)
        llama_cpp.llama_free(self._ctx)
        llama_cpp.llama_model_free(self._model)
