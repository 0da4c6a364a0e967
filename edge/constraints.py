"""What a chat request asks of its answer's shape: the grammar that enforces it, the
tool instructions that go into the prompt, and how the answer is read back.

`response_format` and `tools`/`tool_choice` become one grammar:
  - json_object / json_schema: the answer is a JSON object / valid against the schema;
  - tool_choice "required" or a named function: the answer is one tool call;
  - tool_choice "auto" (the default with tools): a tool call, or else the answer the
    response_format asks for (plain text when none);
  - tool_choice "none": tools are neither offered nor callable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from common.errors import InvalidRequest
from edge.grammars import (
    Function,
    GrammarCache,
    json_object_grammar,
    json_schema_grammar,
    tool_call_grammar,
)
from edge.json_schema_subset import enforceable_schema
from edge.schemas import ChatCompletionRequest, NamedToolChoice, ToolDefinition
from edge.tool_prompt import ToolMode, tools_instructions

# A function without `parameters` takes none (OpenAI's rule): an empty object.
NO_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}


@dataclass(frozen=True)
class Constraint:
    grammar: str | None = None
    # System-prompt text describing the tools; None when none are offered.
    instructions: str | None = None
    # "none": the answer is content; otherwise it may (auto) or must be a tool call.
    tool_mode: ToolMode = "none"


def constraint_for(request: ChatCompletionRequest, cache: GrammarCache) -> Constraint:
    content = _content_schema(request)
    mode, named = _tool_mode(request)
    if mode == "none":
        if content is None:
            return Constraint()
        key = json.dumps(["content", content], sort_keys=True)
        return Constraint(cache.get(key, lambda: _content_grammar(content)))
    # Every tool's schema is checked, also those a named choice leaves out.
    tools = request.tools or []
    every = [_function(i, t) for i, t in enumerate(tools)]
    functions = [f for f in every if named is None or f.name == named]
    offered = [t for t in tools if named is None or t.function.name == named]
    optional = mode == "auto"
    key = json.dumps(
        ["tools", [(f.name, f.parameters) for f in functions], optional, content], sort_keys=True
    )
    grammar = cache.get(
        key, lambda: tool_call_grammar(functions, optional=optional, content=content)
    )
    return Constraint(grammar, tools_instructions(offered, mode, named), mode)


def _content_schema(request: ChatCompletionRequest) -> dict[str, Any] | None:
    """The schema the content must follow: {"type": "object"} for json_object, the
    checked schema for json_schema, None for text."""
    fmt = request.response_format
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_object" or fmt.json_schema is None or fmt.json_schema.json_schema is None:
        return {"type": "object"}
    return enforceable_schema(fmt.json_schema.json_schema)


def _content_grammar(content: dict[str, Any]) -> str:
    if content == {"type": "object"}:
        return json_object_grammar()
    return json_schema_grammar(content)


def _tool_mode(request: ChatCompletionRequest) -> tuple[ToolMode, str | None]:
    choice = request.tool_choice
    tools = request.tools or []
    if not tools:
        if choice not in (None, "none"):
            raise InvalidRequest(
                "tool_choice: tools must be given to choose one", param="tool_choice"
            )
        return "none", None
    names = [t.function.name for t in tools]
    if len(set(names)) != len(names):
        raise InvalidRequest("tools: function names must be unique", param="tools")
    if isinstance(choice, NamedToolChoice):
        if choice.function.name not in names:
            raise InvalidRequest(
                f"tool_choice: no tool named {choice.function.name!r} in tools",
                param="tool_choice",
            )
        return "required", choice.function.name
    return choice or "auto", None


def _function(index: int, tool: ToolDefinition) -> Function:
    parameters = tool.function.parameters
    if parameters is None:
        return Function(tool.function.name, NO_PARAMETERS)
    param = f"tools[{index}].function.parameters"
    return Function(tool.function.name, enforceable_schema(parameters, param=param))
