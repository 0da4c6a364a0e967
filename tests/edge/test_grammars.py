"""The GBNF text built from schemas and tools (compiled by llama.cpp in the engine tests)."""

from __future__ import annotations

from edge.grammars import (
    SAFE_CHAR,
    Function,
    GrammarCache,
    gbnf_literal,
    json_schema_grammar,
    tool_call_grammar,
)


def _rules(grammar: str) -> dict[str, str]:
    return dict(line.split(" ::= ", 1) for line in grammar.splitlines())


def test_literals_escape_quotes_backslashes_and_newlines() -> None:
    assert gbnf_literal('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_string_characters_are_the_safe_ones() -> None:
    rules = _rules(json_schema_grammar({"type": "object", "properties": {"s": {"type": "string"}}}))
    assert rules["char"] == SAFE_CHAR
    assert rules["space"] == '" "?'  # at most one space between tokens


def test_enum_values_with_quotes_and_backslashes_are_exact() -> None:
    rules = _rules(json_schema_grammar({"enum": ['say "hi"', "a\\b"]}))
    # The JSON text of each value, as one GBNF literal.
    assert rules["answer"] == '"\\"say \\\\\\"hi\\\\\\"\\"" | "\\"a\\\\\\\\b\\""'


def test_a_call_names_one_function_then_its_arguments() -> None:
    functions = [
        Function("f", {"type": "object", "properties": {}}),
        Function("g", {"type": "object"}),
    ]
    rules = _rules(tool_call_grammar(functions, optional=False))
    assert rules["root"] == "tool-call"
    assert rules["tool-call"] == '"<tool_call>" [ \\n]? (fn0-call | fn1-call)'
    assert rules["fn0-call"].startswith('"{" space "\\"name\\"" space ":" space "\\"f\\""')


def test_an_optional_call_allows_text_or_content() -> None:
    functions = [Function("f", {"type": "object"})]
    assert _rules(tool_call_grammar(functions, optional=True))["root"] == "tool-call | text"
    with_content = _rules(tool_call_grammar(functions, optional=True, content={"type": "integer"}))
    assert with_content["root"] == "tool-call | integer"


def test_the_cache_keeps_the_most_recent() -> None:
    cache = GrammarCache(size=1)
    assert cache.get("a", lambda: "A") == "A"
    assert cache.get("b", lambda: "B") == "B"
    assert cache.get("a", lambda: "A2") == "A2"  # "a" was evicted
