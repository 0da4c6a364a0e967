"""The Responses request as the gateway checks it before routing, and what it refuses
whatever the backend: anything that needs state kept between requests, and tools the
gateway cannot run (hosted tools)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import Field

from common.errors import UnsupportedParameter
from gateway.policy.fields import RESPONSES_ALIASES
from gateway.schemas import RequestBody

# Input items the gateway can carry: messages and the two halves of a function call.
ITEM_TYPES = frozenset({"message", "function_call", "function_call_output"})
TOOL_CHOICES = frozenset({"auto", "none", "required"})
# Fields that refer to state on OpenAI's side: refused, the gateway is stateless.
STATEFUL = ("previous_response_id", "conversation", "prompt")


class ResponsesRequest(RequestBody):
    """The fields the gateway reads; any other passes on to the backend's checks."""

    # A Responses field is forwarded to a backend when its chat-completions
    # counterpart is on that backend's forward_fields (`gateway.policy.fields`).
    field_aliases: ClassVar[Mapping[str, str]] = RESPONSES_ALIASES

    input: str | Annotated[list[dict[str, Any]], Field(min_length=1)]
    instructions: str | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    text: dict[str, Any] | None = None
    max_output_tokens: int | None = Field(default=None, ge=1)
    store: bool | None = None
    background: bool | None = None
    metadata: dict[str, str] | None = None
    user: str | None = None

    def requested_max_tokens(self) -> int | None:
        return self.max_output_tokens

    def include_usage(self) -> bool:
        return True  # a Responses stream always ends with its usage


def check_supported(body: ResponsesRequest) -> None:
    """Raises a 400 naming the first field the gateway cannot serve statelessly."""
    sent = body.model_fields_set | set(body.model_extra or ())
    for name in STATEFUL:
        if name in sent and getattr(body, name, None) is not None:
            raise _refused(name, "responses are not stored here: every request is stateless")
    if body.store:
        raise _refused("store", "responses are not stored here; send store: false or leave it out")
    if body.background:
        raise _refused("background", "background responses need stored state")
    for i, tool in enumerate(body.tools or ()):
        if tool.get("type") != "function":
            kind = tool.get("type")
            raise _refused(f"tools[{i}].type", f"only function tools are supported, not {kind!r}")
    _check_tool_choice(body.tool_choice)
    if isinstance(body.input, list):
        for i, item in enumerate(body.input):
            _check_item(item, f"input[{i}]")


def _check_tool_choice(choice: str | dict[str, Any] | None) -> None:
    if choice is None or (isinstance(choice, str) and choice in TOOL_CHOICES):
        return
    if isinstance(choice, dict) and choice.get("type") == "function" and choice.get("name"):
        return
    raise _refused(
        "tool_choice", 'tool_choice must be "auto", "none", "required" or a named function'
    )


def _check_item(item: dict[str, Any], where: str) -> None:
    kind = item.get("type", "message" if "role" in item else None)
    if kind not in ITEM_TYPES:
        reason = (
            "item references need stored state"
            if kind == "item_reference"
            else "only message, function_call and function_call_output items are supported"
        )
        raise _refused(f"{where}.type", f"{reason}, not {kind!r}")
    content = item.get("content") if kind == "message" else item.get("output")
    for j, part in enumerate(content if isinstance(content, list) else ()):
        if isinstance(part, dict) and part.get("file_id") is not None:
            field = "content" if kind == "message" else "output"
            raise _refused(f"{where}.{field}[{j}].file_id", "file ids need stored files")


def _refused(param: str, why: str) -> UnsupportedParameter:
    return UnsupportedParameter(f"{param}: not supported: {why}", param=param)
