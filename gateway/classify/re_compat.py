"""Python's own regex parser, the one way here to read a pattern's structure; the rest
of the code calls these instead of touching it.

Contact points, private modules of the standard library (`sre_parse` and
`sre_constants` before 3.11, deprecated aliases of these since):
- `re._parser.parse(pattern)`: the parse tree, a sequence of (opcode, value) nodes,
  and its `getwidth()`, the shortest and longest match;
- `re._constants`: the opcodes, singletons compared by identity, and the shapes of
  the values walked: LITERAL a code point; IN a list of members (LITERAL, RANGE
  (low, high), CATEGORY with CATEGORY_DIGIT); SUBPATTERN (group, add_flags,
  del_flags, body); ATOMIC_GROUP a body; ASSERT and ASSERT_NOT (direction, body);
  MAX_REPEAT, MIN_REPEAT and POSSESSIVE_REPEAT (min, max, body), max MAXREPEAT when
  unbounded; BRANCH (None, [body, ...]).
Needed because neither `re` nor the `regex` module (which runs the recognizers'
patterns) has a public parser; the digit gate (`gates.needs_digit`) and the bound
checks of the national-id patterns read the tree.

Verified on CPython 3.11.7, the project's floor and the only interpreter checked
(tests/gateway/classify/test_re_compat.py fails when a shape changes).
"""

from __future__ import annotations

from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Any

# A node of the tree: (opcode, value), the value's shape set by the opcode.
Node = tuple[Any, Any]
# The opcodes of the nodes (OPCODES.LITERAL, OPCODES.IN, ...) and MAXREPEAT.
OPCODES: Any = _constants


def parse(pattern: str) -> list[Node]:
    """The top-level nodes of `pattern`'s parse tree. A pattern Python's parser cannot
    read raises re.error (or, for some, ValueError, TypeError or OverflowError)."""
    return list(_parser.parse(pattern))


def width(pattern: str) -> tuple[int, int]:
    """The lengths of `pattern`'s shortest and longest match (MAXREPEAT or more when
    unbounded)."""
    low, high = _parser.parse(pattern).getwidth()
    return int(low), int(high)
