"""The engine interface the scheduler drives, and the events a generation emits.

An engine holds a fixed number of slots, each a sequence in one shared context. The
scheduler admits prepared prompts into free slots and calls `step()`, which runs one
batched decode over every admitted sequence: prompt chunks and next tokens together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from edge.logprobs import TokenLogprob

# A chat prompt is a list of {"role", "content"} messages; a text prompt is a string.
Prompt = str | list[dict[str, str]]


@dataclass(frozen=True)
class SamplingOptions:
    max_tokens: int | None  # as the caller asked; None means "up to default_max_tokens"
    default_max_tokens: int = 512
    temperature: float = 1.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    # A GBNF grammar every sampled token must follow (root rule "root"), or None.
    grammar: str | None = None
    # Alternatives per token to report with its log-probability; None: no logprobs.
    logprobs: int | None = None


@dataclass(frozen=True)
class PreparedPrompt:
    """A prompt tokenized and checked against a slot's context, ready to decode."""

    tokens: tuple[int, ...]
    max_tokens: int
    stop: tuple[str, ...]
    options: SamplingOptions


@dataclass(frozen=True)
class Started:
    prompt_tokens: int


@dataclass(frozen=True)
class Delta:
    text: str
    # The tokens this text came from, when logprobs were asked for. A stop sequence
    # can hold text back, so a Delta may carry tokens of earlier, held text too.
    logprobs: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True)
class Finished:
    finish_reason: str  # "stop" | "length" | "cancelled"
    prompt_tokens: int
    completion_tokens: int
    # Prompt tokens whose KV-cache entries were reused instead of evaluated.
    cached_tokens: int = 0
    # Seconds the job waited in the scheduler's queue before it got a slot: a
    # measurement, not part of what the generation was.
    queue_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class Failed:
    error: Exception


Event = Started | Delta | Finished | Failed
# What one step yields: the slot it concerns and that slot's next event.
SlotEvent = tuple[int, Delta | Finished]


class Engine(Protocol):
    """What the scheduler needs from a model. Every call runs on the scheduler's thread."""

    model_id: str
    # How many sequences decode together; the scheduler never admits more.
    n_slots: int

    def prepare(self, prompt: Prompt, options: SamplingOptions) -> PreparedPrompt:
        """Formats and tokenizes; raises ContextLengthExceeded when it cannot fit a slot."""
        ...

    def admit(self, prepared: PreparedPrompt) -> int:
        """Puts a prompt into a free slot (the one whose cache shares the longest prefix
        with it) and returns that slot's index. It starts decoding at the next step."""
        ...

    def step(self) -> list[SlotEvent]:
        """One batched decode over every admitted sequence. A slot whose sequence ends
        yields a Finished and is free again when step returns."""
        ...

    def cancel(self, slot: int) -> Finished:
        """Ends the slot's sequence now; the slot is free for the next admission."""
        ...

    def close(self) -> None:
        """Frees the model; called once, after the scheduler has stopped."""
        ...
