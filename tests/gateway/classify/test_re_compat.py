"""The shapes of Python's regex parse tree that `re_compat`'s users walk, checked
against this interpreter's parser: each case fails when a shape changes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.classify.gates import needs_digit
from gateway.classify.re_compat import OPCODES, parse, width

c = OPCODES
ONE, TWO, THREE, FOUR = (ord(d) for d in "1234")


def plain(tree: Any) -> Any:
    """The tree with every nested body (a parser object) as a list."""
    if isinstance(tree, tuple):
        return tuple(plain(item) for item in tree)
    if tree is None or isinstance(tree, int | str):
        return tree
    return [plain(item) for item in tree]


def constants(tree: Any) -> list[Any]:
    """Every named constant (opcode, category, MAXREPEAT) in a plain tree."""
    if isinstance(tree, tuple | list):
        return [found for item in tree for found in constants(item)]
    return [tree] if type(tree) is type(c.LITERAL) else []


# (pattern, its tree): one case for each node the walkers read.
SHAPES = [
    ("1", [(c.LITERAL, ONE)]),
    (
        r"[0-9\d1]",
        [
            (
                c.IN,
                [(c.RANGE, (ord("0"), ord("9"))), (c.CATEGORY, c.CATEGORY_DIGIT), (c.LITERAL, ONE)],
            )
        ],
    ),
    ("(1)", [(c.SUBPATTERN, (1, 0, 0, [(c.LITERAL, ONE)]))]),
    ("(?i:12)", [(c.SUBPATTERN, (None, re.IGNORECASE, 0, [(c.LITERAL, ONE), (c.LITERAL, TWO)]))]),
    ("(?>12)", [(c.ATOMIC_GROUP, [(c.LITERAL, ONE), (c.LITERAL, TWO)])]),
    ("(?=1)", [(c.ASSERT, (1, [(c.LITERAL, ONE)]))]),
    ("(?<!1)", [(c.ASSERT_NOT, (-1, [(c.LITERAL, ONE)]))]),
    ("1{2,3}", [(c.MAX_REPEAT, (2, 3, [(c.LITERAL, ONE)]))]),
    ("1*?", [(c.MIN_REPEAT, (0, c.MAXREPEAT, [(c.LITERAL, ONE)]))]),
    ("1++", [(c.POSSESSIVE_REPEAT, (1, c.MAXREPEAT, [(c.LITERAL, ONE)]))]),
    (
        "12|34",
        [
            (
                c.BRANCH,
                (
                    None,
                    [[(c.LITERAL, ONE), (c.LITERAL, TWO)], [(c.LITERAL, THREE), (c.LITERAL, FOUR)]],
                ),
            )
        ],
    ),
]


@pytest.mark.parametrize(("pattern", "tree"), SHAPES, ids=[p for p, _ in SHAPES])
def test_the_tree_has_the_shape_walked(pattern: str, tree: list[Any]) -> None:
    parsed = parse(pattern)
    assert isinstance(parsed, list)
    assert plain(parsed) == tree
    # The walkers compare opcodes by identity.
    named = constants(plain(parsed))
    assert named
    assert all(constant is getattr(c, constant.name) for constant in named)


def test_width_is_the_shortest_and_longest_match() -> None:
    assert width("1{2,3}") == (2, 3)
    assert width("(?=1)") == (0, 0)
    assert width("1+")[1] >= c.MAXREPEAT


def test_a_pattern_the_parser_cannot_read_raises_re_error() -> None:
    with pytest.raises(re.error):
        parse("(1")


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"\d{3}", True),
        (r"(?:[0-9]{2}|1)x", True),
        (r"(?>\d)", True),
        (r"(?=\d)", True),
        (r"\d?", False),
        (r"\d|x", False),
        (r"[0-9a]", False),
        (r"\D", False),
    ],
)
def test_the_digit_gate_reads_the_tree_as_meant(pattern: str, needs: bool) -> None:
    assert needs_digit(pattern) is needs
