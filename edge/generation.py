"""One sequence's progress from sampled tokens to text: limits, stops, end of generation.

Independent of llama.cpp, so stop handling and accounting are tested without a model.
"""

from __future__ import annotations

import codecs

from edge.engine import Delta, Finished, PreparedPrompt
from edge.logprobs import TokenLogprob
from edge.stops import StopScanner


class Generation:
    def __init__(self, prepared: PreparedPrompt, cached_tokens: int) -> None:
        self.prepared = prepared
        self.cached_tokens = cached_tokens
        # Prompt tokens still to be evaluated; the reused prefix never is.
        self.pending: list[int] = list(prepared.tokens[cached_tokens:])
        # The last sampled token: decoded at the next step, when generation goes on.
        self.next_token: int | None = None
        self.produced = 0
        self._scanner = StopScanner(prepared.stop)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._logprobs: list[TokenLogprob] = []

    @property
    def prefilling(self) -> bool:
        return bool(self.pending)

    def accept(
        self, piece: bytes, end_of_generation: bool, logprob: TokenLogprob | None = None
    ) -> list[Delta | Finished]:
        """Takes one sampled token (its bytes, whether it ends generation, and its
        log-probability if asked for) and says what the caller sees: text, and a
        Finished once the sequence is over."""
        if end_of_generation:
            return self._finish("stop")
        self.produced += 1
        if logprob is not None:
            self._logprobs.append(logprob)
        text, stopped = self._scanner.feed(self._decoder.decode(piece))
        events: list[Delta | Finished] = [self._delta(text)] if text else []
        if stopped:
            return [*events, self._finished("stop")]
        if self.produced >= self.prepared.max_tokens:
            return events + self._finish("length")
        return events

    def cancel(self) -> Finished:
        return self._finished("cancelled")

    def _finish(self, reason: str) -> list[Delta | Finished]:
        # Text held back for a stop that never came belongs to the answer.
        tail = self._scanner.flush() + self._decoder.decode(b"", final=True)
        return ([self._delta(tail)] if tail or self._logprobs else []) + [self._finished(reason)]

    def _delta(self, text: str) -> Delta:
        logprobs, self._logprobs = tuple(self._logprobs), []
        return Delta(text, logprobs)

    def _finished(self, reason: str) -> Finished:
        return Finished(reason, len(self.prepared.tokens), self.produced, self.cached_tokens)
