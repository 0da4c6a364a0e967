"""The slots of a batching engine: which sequence holds which cached tokens, which slot
a new prompt goes to, and what one batched decode step evaluates.

Pure bookkeeping, no llama.cpp: the engine applies the plan to its context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from edge.generation import Generation


@dataclass
class Slot:
    index: int  # also the llama.cpp sequence id
    # Tokens whose KV entries this slot's sequence holds, in position order. They
    # outlive a request: the next one that shares their prefix skips evaluating it.
    cached: list[int] = field(default_factory=list)
    generation: Generation | None = None
    # Admission tick: least recently used slots are reclaimed first, and prompts are
    # evaluated in the order they were admitted.
    tick: int = 0


@dataclass(frozen=True)
class Work:
    """Tokens one slot evaluates in a step, starting at position `len(slot.cached)`."""

    slot: Slot
    tokens: list[int]
    # Whether the step samples after the last of these tokens: always for a decode
    # token, and for a prompt only once its last chunk is in.
    sample: bool


def shared_prefix(held: Sequence[int], tokens: Sequence[int]) -> int:
    shared = 0
    for a, b in zip(held, tokens, strict=False):
        if a != b:
            break
        shared += 1
    return shared


class SlotTable:
    def __init__(self, n_slots: int) -> None:
        self.slots = [Slot(i) for i in range(n_slots)]
        self._tick = 0

    def free(self) -> list[Slot]:
        return [s for s in self.slots if s.generation is None]

    def busy(self) -> list[Slot]:
        return [s for s in self.slots if s.generation is not None]

    def choose(self, tokens: Sequence[int]) -> tuple[Slot, int]:
        """The free slot to run `tokens` in and how many of its cached tokens it keeps.

        The longest shared prefix wins (a chat's next turn finds its earlier turns, a
        repeated system prompt its own KV); ties go to the least recently used slot, so
        a fresh prompt does not evict a cache that a returning conversation could use.
        The last prompt token is always evaluated: its logits give the first sample.
        """
        free = self.free()
        if not free:
            raise RuntimeError("no free slot; the scheduler admits only into free slots")
        limit = len(tokens) - 1
        best = max(free, key=lambda s: (min(shared_prefix(s.cached, tokens), limit), -s.tick))
        return best, max(0, min(shared_prefix(best.cached, tokens), limit))

    def occupy(self, slot: Slot, generation: Generation, keep: int) -> None:
        self._tick += 1
        slot.tick = self._tick
        del slot.cached[keep:]
        slot.generation = generation


def plan_step(busy: Sequence[Slot], prefill_budget: int) -> list[Work]:
    """What one batched decode evaluates.

    Every generating slot contributes its next token, so running streams advance at
    every step. Prompts then take at most `prefill_budget` tokens in all, oldest
    admission first: a long prompt is evaluated in chunks across several steps instead
    of freezing everyone else's tokens while it runs.
    """
    work: list[Work] = []
    for slot in busy:
        generation = slot.generation
        if generation is not None and not generation.prefilling:
            assert generation.next_token is not None
            work.append(Work(slot, [generation.next_token], sample=True))
    budget = prefill_budget
    for slot in sorted(busy, key=lambda s: s.tick):
        generation = slot.generation
        if budget <= 0 or generation is None or not generation.prefilling:
            continue
        chunk = generation.pending[:budget]
        budget -= len(chunk)
        work.append(Work(slot, chunk, sample=len(chunk) == len(generation.pending)))
    return work
