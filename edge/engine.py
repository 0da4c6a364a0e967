"""The engine interface the scheduler drives, and the events a generation emits.

Today one engine decodes one sequence at a time; a batching engine can implement the
same two calls and let the scheduler hand it several prepared prompts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

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


@dataclass(frozen=True)
class PreparedPrompt:
    """A prompt tokenized and checked against the context, ready to decode."""

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


@dataclass(frozen=True)
class Finished:
    finish_reason: str  # "stop" | "length" | "cancelled"
    prompt_tokens: int
    completion_tokens: int
    # Prompt tokens whose KV-cache entries were reused from the previous request.
    cached_tokens: int = 0
    # Seconds the job waited in the scheduler's queue before decoding began: a
    # measurement, not part of what the generation was.
    queue_s: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class Failed:
    error: Exception


Event = Started | Delta | Finished | Failed


class Engine(Protocol):
    """What the scheduler needs from a model. Both calls run on the scheduler's thread."""

    model_id: str

    def prepare(self, prompt: Prompt, options: SamplingOptions) -> PreparedPrompt:
        """Formats and tokenizes; raises ContextLengthExceeded when it cannot fit."""
        ...

    def generate(
        self, prepared: PreparedPrompt, should_stop: Callable[[], bool]
    ) -> Iterator[Delta | Finished]:
        """Yields text deltas, then exactly one Finished."""
        ...
