"""GBNF grammars for constrained decoding: a JSON Schema, any JSON object, tool calls.

Built with llama-cpp-python's port of llama.cpp's schema converter, with two fixes
that keep every output parseable: string characters exclude raw control characters
and lone surrogate escapes (the stock rule allows both, and strict JSON parsers refuse
them), and literals escape backslashes (the stock escaping breaks on `"` or `\\` in a
property name or enum value). Whitespace between tokens is at most one space, so a
small model cannot wander off in indentation. Schemas reach this module already
checked by `edge.json_schema_subset`.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from edge.llama_compat import STRING_CHAR_RULE, add_rule, rules, schema_converter

# A JSON string character: anything but a quote, a backslash or a control character,
# or an escape; \u escapes stop short of surrogates, which pydantic's parser refuses alone.
SAFE_CHAR = (
    r'[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" '
    r"([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))"
)
# What the model writes before a tool call's JSON, in the prompt and in its answer.
TOOL_CALL_MARKER = "<tool_call>"
ANY_CHAR = r"[\U00000000-\U0010FFFF]"


@dataclass(frozen=True)
class Function:
    name: str
    # The JSON Schema of the arguments, checked by edge.json_schema_subset.
    parameters: dict[str, Any]


def gbnf_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'


class _Builder:
    """One converter per grammar, so that every rule name it hands out is unique."""

    def __init__(self) -> None:
        # The converter is untyped; it is used through this one attribute.
        self._converter: Any = schema_converter(gbnf_literal)

    def schema(self, schema: dict[str, Any], name: str) -> str:
        """The rule for a value valid against `schema`."""
        rule: str = self._converter.visit(schema, name)
        return rule

    def rule(self, name: str, body: str) -> str:
        return add_rule(self._converter, name, body)

    def grammar(self, root_body: str) -> str:
        found = rules(self._converter)
        found["root"] = root_body
        if STRING_CHAR_RULE in found:
            found[STRING_CHAR_RULE] = SAFE_CHAR
        return str(self._converter.format_grammar())


def json_schema_grammar(schema: dict[str, Any]) -> str:
    builder = _Builder()
    return builder.grammar(builder.schema(schema, "answer"))


def json_object_grammar() -> str:
    builder = _Builder()
    return builder.grammar(builder.schema({"type": "object"}, "answer"))


def tool_call_grammar(
    functions: Sequence[Function], *, optional: bool, content: dict[str, Any] | None = None
) -> str:
    """A tool call: the marker, then {"name": <one of the functions>, "arguments": <valid
    against that function's parameters>}. With `optional`, the model may instead answer
    in text (which then cannot start with "<"), or with JSON valid against `content`."""
    builder = _Builder()
    calls = [_call_rule(builder, i, function) for i, function in enumerate(functions)]
    call = builder.rule(
        "tool-call", f"{gbnf_literal(TOOL_CALL_MARKER)} [ \\n]? ({' | '.join(calls)})"
    )
    if not optional:
        return builder.grammar(call)
    if content is not None:
        answer = builder.schema(content, "content")
    else:
        answer = builder.rule("text", f"([^<] {ANY_CHAR}*)?")
    return builder.grammar(f"{call} | {answer}")


def _call_rule(builder: _Builder, index: int, function: Function) -> str:
    arguments = builder.schema(function.parameters, f"fn{index}-arguments")
    name = gbnf_literal(json.dumps(function.name))
    body = (
        f'"{{" space {gbnf_literal(json.dumps("name"))} space ":" space {name} space "," space '
        f'{gbnf_literal(json.dumps("arguments"))} space ":" space {arguments} "}}" space'
    )
    return builder.rule(f"fn{index}-call", body)


class GrammarCache:
    """A small LRU of built grammars, keyed by the request fields they come from: a
    client repeating its schema pays for the conversion once."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._grammars: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str, build: Callable[[], str]) -> str:
        grammar = self._grammars.get(key)
        if grammar is None:
            grammar = build()
            self._grammars[key] = grammar
            if len(self._grammars) > self._size:
                self._grammars.popitem(last=False)
        else:
            self._grammars.move_to_end(key)
        return grammar
