"""OpenAI request bodies as the edge server accepts them: what it can honour, nothing more."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.errors import InvalidRequest, UnsupportedParameter

# Fields clients send that do not change the output; accepted and ignored.
_INFORMATIONAL = frozenset({"user", "metadata", "store", "service_tier"})


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class SamplingFields(BaseModel):
    """Fields shared by chat and text completions. Unknown fields are checked afterwards,
    by `unsupported_parameter`, so that the 400 can name them."""

    model_config = ConfigDict(extra="allow")

    model: str
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float = Field(default=1.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float = Field(default=0.0, ge=-2.0, le=2.0)
    frequency_penalty: float = Field(default=0.0, ge=-2.0, le=2.0)
    n: int = Field(default=1, ge=1)
    stream: bool = False
    stream_options: StreamOptions | None = None

    @field_validator("stop")
    @classmethod
    def _at_most_four_stops(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences are allowed")
        return value

    def stop_sequences(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)

    def token_limit(self) -> int | None:
        return self.max_tokens

    def include_usage(self) -> bool:
        return self.stream_options is not None and self.stream_options.include_usage


class ChatCompletionRequest(SamplingFields):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)

    def token_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


class CompletionRequest(SamplingFields):
    prompt: str | list[str]

    def prompt_text(self) -> str:
        if isinstance(self.prompt, str):
            return self.prompt
        if len(self.prompt) != 1:
            raise InvalidRequest("prompt: only one prompt per request is supported", param="prompt")
        return self.prompt[0]


def _is_neutral(name: str, value: Any) -> bool:
    """True when a field the edge cannot honour is set to a value that asks for nothing."""
    if name in _INFORMATIONAL or value in (None, False, [], {}, ""):
        return True
    if name == "response_format":
        return isinstance(value, dict) and value.get("type") == "text"
    if name == "tool_choice":
        return bool(value == "none")
    return name in {"best_of", "top_logprobs"} and value in (0, 1)


def check_supported(request: SamplingFields) -> None:
    """Refuses, by name, anything the edge would otherwise silently ignore."""
    if request.n != 1:
        raise UnsupportedParameter("n: only n=1 is supported by the edge server", param="n")
    extras: dict[str, Any] = dict(request.model_extra or {})
    if isinstance(request, ChatCompletionRequest):
        for i, message in enumerate(request.messages):
            extras.update({f"messages[{i}].{k}": v for k, v in (message.model_extra or {}).items()})
    for name, value in extras.items():
        if not _is_neutral(name.rsplit(".", 1)[-1], value):
            raise UnsupportedParameter(f"{name}: not supported by the edge server", param=name)
