"""llama-cpp-python's internals that the edge relies on, in one place; the rest of the
code calls these instead of touching them.

- `llama_cpp._logger` (private module): `set_verbose(False)` raises the level of its
  `logger` (a `logging.Logger`, "llama-cpp-python") that gates what llama.cpp's log
  callback prints; the only switch for llama.cpp's load chatter on stderr.
- `llama_grammar.SchemaConverter`, the port of llama.cpp's JSON-Schema-to-GBNF
  converter, beyond its public `visit` and `format_grammar`:
  `_format_literal(literal)` writes every literal (property names, enum and const
  values), and is overridden because its escaping breaks on `"` and `\\`;
  `_add_rule(name, body)` adds a rule under a free name and returns that name;
  `_rules` is the dict of rules by name that `format_grammar` writes out, edited in
  place to set the root and to replace the string character rule, named "char".

Imported only inside these functions: loading llama_cpp loads the llama.cpp shared
library. Verified with llama-cpp-python 0.3.36 (tests/edge/test_llama_compat.py fails
when one of these assumptions stops holding); pyproject allows >= 0.3.8, < 0.4,
and the lock pins what was verified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The rule for one character of a JSON string, which the string rules refer to.
STRING_CHAR_RULE = "char"


def quiet_native_logs() -> None:
    """llama.cpp logs only its errors to stderr from now on."""
    from llama_cpp._logger import set_verbose

    set_verbose(False)


def schema_converter(format_literal: Callable[[str], str]) -> Any:
    """A fresh SchemaConverter (no property order, no fetching of remote refs) that
    writes every literal with `format_literal`. Untyped, as llama-cpp-python is."""
    from llama_cpp.llama_grammar import SchemaConverter

    class Converter(SchemaConverter):
        def _format_literal(self, literal: str) -> str:
            return format_literal(literal)

    factory: Any = Converter
    return factory(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)


def add_rule(converter: Any, name: str, body: str) -> str:
    """Adds a rule to `converter`'s grammar; returns its name: `name`, or `name` with a
    number when another body already has that one."""
    key: str = converter._add_rule(name, body)
    return key


def rules(converter: Any) -> dict[str, str]:
    """`converter`'s rules by name: what `format_grammar` writes, edits included."""
    found: dict[str, str] = converter._rules
    return found
