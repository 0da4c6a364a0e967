"""OpenAI request bodies as the edge server accepts them: what it can honour, nothing more."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.errors import InvalidRequest, UnsupportedParameter

# Fields clients send that do not change the output; accepted and ignored.
_INFORMATIONAL = frozenset({"user", "metadata", "store", "service_tier"})


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["text"]
    text: str


# OpenAI's rule for function names; they are also written into grammars and prompts.
FUNCTION_NAME = r"^[a-zA-Z0-9_-]{1,64}$"


class CalledFunction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    arguments: str


class MessageToolCall(BaseModel):
    """A tool call of an earlier assistant turn, sent back in the history."""

    model_config = ConfigDict(extra="forbid")
    id: str
    type: Literal["function"] = "function"
    function: CalledFunction


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None
    name: str | None = None
    tool_calls: list[MessageToolCall] | None = None
    tool_call_id: str | None = None

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

    def top_logprobs_count(self) -> int | None:
        """How many alternatives per token to return; None when logprobs are off."""
        return None


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(pattern=FUNCTION_NAME)
    description: str | None = None
    # "schema" would shadow a BaseModel attribute, hence the alias.
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    # Enforced whatever its value: the edge's grammar is always strict.
    strict: bool | None = None


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None

    @model_validator(mode="after")
    def _schema_with_its_type(self) -> ResponseFormat:
        if (self.type == "json_schema") != (self.json_schema is not None):
            raise ValueError("json_schema is required with, and only with, type json_schema")
        return self


class FunctionDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=FUNCTION_NAME)
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ToolDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["function"]
    function: FunctionDefinition


class ChosenFunction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class NamedToolChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["function"]
    function: ChosenFunction


class ChatCompletionRequest(SamplingFields):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    response_format: ResponseFormat | None = None
    tools: list[ToolDefinition] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    # At most one call per answer is produced; true ("may call several") is honoured
    # by that, false ("at most one") trivially.
    parallel_tool_calls: bool | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)

    def token_limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    def top_logprobs_count(self) -> int | None:
        if self.top_logprobs is not None and not self.logprobs:
            raise InvalidRequest(
                "top_logprobs: logprobs must be true when top_logprobs is set",
                param="top_logprobs",
            )
        return (self.top_logprobs or 0) if self.logprobs else None


class CompletionRequest(SamplingFields):
    prompt: str | list[str]
    # OpenAI's legacy completions allow up to 5; the edge allows as many as chat.
    logprobs: int | None = Field(default=None, ge=0, le=20)

    def top_logprobs_count(self) -> int | None:
        return self.logprobs

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
    return name == "best_of" and value in (0, 1)


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
