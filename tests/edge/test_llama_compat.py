"""The llama-cpp-python internals `llama_compat` relies on, checked against the
installed package: each test fails when its assumption stops holding."""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from edge.llama_compat import (
    STRING_CHAR_RULE,
    add_rule,
    quiet_native_logs,
    rules,
    schema_converter,
)


def _marked(literal: str) -> str:
    return f"<{literal}>"


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


# --- llama_cpp._logger ------------------------------------------------------------------


@pytest.fixture
def llama_logger() -> Iterator[logging.Logger]:
    from llama_cpp import _logger

    assert isinstance(_logger.logger, logging.Logger)
    level = _logger.logger.level
    yield _logger.logger
    _logger.logger.setLevel(level)


def test_quiet_logs_keep_llama_cpp_warnings_off_stderr(
    llama_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    from llama_cpp import _logger

    assert _parameters(_logger.set_verbose) == ["verbose"]
    warn = 2  # GGML_LOG_LEVEL_WARN
    _logger.set_verbose(True)
    _logger.llama_log_callback(warn, b"loud\n", None)  # what llama.cpp calls
    quiet_native_logs()
    assert llama_logger.level == logging.ERROR
    _logger.llama_log_callback(warn, b"quiet\n", None)
    assert capsys.readouterr().err == "loud\n"


# --- llama_grammar.SchemaConverter ------------------------------------------------------


def test_the_converter_keeps_its_signatures() -> None:
    from llama_cpp.llama_grammar import SchemaConverter

    constructor = inspect.signature(SchemaConverter.__init__).parameters
    assert list(constructor) == ["self", "prop_order", "allow_fetch", "dotall", "raw_pattern"]
    assert all(p.kind is p.KEYWORD_ONLY for name, p in constructor.items() if name != "self")
    assert _parameters(SchemaConverter._format_literal) == ["self", "literal"]
    assert _parameters(SchemaConverter._add_rule) == ["self", "name", "rule"]
    assert _parameters(SchemaConverter.visit) == ["self", "schema", "name"]
    assert _parameters(SchemaConverter.format_grammar) == ["self"]


def test_every_literal_is_written_by_the_override() -> None:
    converter = schema_converter(_marked)
    schema = {
        "type": "object",
        "properties": {"say": {"enum": ["hi", 'say "hi"']}, "k": {"const": "v"}},
        "required": ["say", "k"],
    }
    converter.visit(schema, "answer")
    grammar = converter.format_grammar()
    for value in ("say", "hi", 'say "hi"', "k", "v"):
        assert _marked(json.dumps(value)) in grammar, value


def test_rules_are_the_dict_the_grammar_is_written_from() -> None:
    converter = schema_converter(_marked)
    found = rules(converter)
    assert isinstance(found, dict)
    assert "space" in found  # every converter starts with the whitespace rule
    found["root"] = "space"
    found["extra"] = '"x"'
    grammar = converter.format_grammar().splitlines()
    assert "root ::= space" in grammar
    assert 'extra ::= "x"' in grammar


def test_add_rule_returns_a_free_name() -> None:
    converter = schema_converter(_marked)
    assert add_rule(converter, "tool call", '"a"') == "tool-call"
    assert add_rule(converter, "tool call", '"a"') == "tool-call"  # the same rule again
    assert add_rule(converter, "tool call", '"b"') == "tool-call0"
    assert {k: v for k, v in rules(converter).items() if k.startswith("tool")} == {
        "tool-call": '"a"',
        "tool-call0": '"b"',
    }


def test_a_string_s_characters_are_one_rule_of_that_name() -> None:
    converter = schema_converter(_marked)
    string = converter.visit({"type": "string"}, "answer")
    found = rules(converter)
    assert STRING_CHAR_RULE in found
    # The string rule refers to it by name (`char*`).
    assert STRING_CHAR_RULE in re.findall(r"[a-zA-Z0-9-]+", found[string])
