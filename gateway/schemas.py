"""OpenAI request bodies as the gateway checks them before routing.

The gateway validates what it must understand (model, messages, stream) and passes
every other field through, so a backend can answer for what it supports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

# The models a caller may ask the gateway for; each policy's `model` leaf matches them.
VirtualModel = Literal["auto", "edge", "cloud"]
VIRTUAL_MODELS: tuple[VirtualModel, ...] = get_args(VirtualModel)


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class RequestBody(BaseModel):
    """What every body the pipeline runs has: the model asked for, whether to stream,
    the sampling parameters the gateway checks; every other field is kept."""

    model_config = ConfigDict(extra="allow")
    # A body's field names as the backends' forward_fields name them, where they differ.
    field_aliases: ClassVar[Mapping[str, str]] = {}

    model: str
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)

    def include_usage(self) -> bool:
        """Whether the caller gets the usage at the end of a stream."""
        raise NotImplementedError

    def requested_max_tokens(self) -> int | None:
        """The most tokens the caller asked to be generated, for the limits."""
        raise NotImplementedError

    def as_json(self) -> dict[str, Any]:
        """The body as the caller sent it."""
        return self.model_dump(mode="json", exclude_unset=True)


class _Forwarded(RequestBody):
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=None, ge=1)

    def include_usage(self) -> bool:
        return self.stream_options is not None and self.stream_options.include_usage

    def requested_max_tokens(self) -> int | None:
        return self.max_tokens


class ChatCompletionRequest(_Forwarded):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)

    def requested_max_tokens(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


class CompletionRequest(_Forwarded):
    prompt: str | list[str] | list[int] | list[list[int]]


class EmbeddingRequest(_Forwarded):
    """POST /v1/embeddings. Token arrays are valid OpenAI input but cannot be
    classified, so the route refuses them by name."""

    input: str | list[str] | list[int] | list[list[int]]
    stream: Literal[False] = False
