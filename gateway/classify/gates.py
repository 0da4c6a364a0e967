"""Big word alternations (the deny lists, the given-name pattern) tried only where
they can match, with the same matches.

Presidio runs such a pattern as one regex: `(?:^|(?<=\\W))(diagnosed|dosage|...)` or
`\\b(?:Aisha|Tomasz|...)\\s+Surname`, which the regex engine tries at every position of
the text, case-insensitively, against a few hundred alternatives: on a short prompt
the given-name pattern and the health, HR and financial deny lists took a large share
of all regex time (docs/benchmarks-history.md). Every match of such a pattern starts
where a word starts, and that word (a maximal run of word characters) is,
case-insensitively, the first word of one of the alternatives. So only those positions
are tried, with the same compiled regex, in order, skipping positions inside a match
found before: exactly the matches `finditer` returns.

The word test is a lower-cased set lookup, which agrees with the regex's case-insensitive
comparison for ASCII text and ASCII words. A text with any other character is searched
by the regex as it is, and so is every text when a word is not ASCII or does not start
with a word character.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from typing import Any

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from gateway.classify import re_compat
from gateway.classify.presidio_compat import compiled_regex, install_regex

_RUN = regex.compile(r"\w+")


class WordStartRegex:
    """Stands in for a compiled pattern in Presidio's PatternRecognizer, which calls
    `finditer(text, timeout=...)` on it."""

    def __init__(self, compiled: Any, first_words: frozenset[str]) -> None:
        self._compiled = compiled
        self._first_words = first_words

    def finditer(self, text: str, timeout: float | None = None) -> Iterator[Any]:
        if not text.isascii():
            yield from self._compiled.finditer(text, timeout=timeout)
            return
        searched_to = 0
        for word in _RUN.finditer(text):
            if word.start() < searched_to or word.group().lower() not in self._first_words:
                continue
            found = self._compiled.match(text, word.start(), timeout=timeout)
            if found is not None:  # never empty: every alternative holds a word
                yield found
                searched_to = found.end()


def first_words(alternatives: Iterable[str]) -> frozenset[str] | None:
    """The lower-cased first word of each alternative; None when one is not ASCII or
    does not start with a word character (the gate's reasoning would not hold)."""
    words = set()
    for alternative in alternatives:
        word = _RUN.match(alternative)
        if word is None or not alternative.isascii():
            return None
        words.add(word.group().lower())
    return frozenset(words)


def patterns(recognizer: PatternRecognizer) -> list[Pattern]:
    found: list[Pattern] = recognizer.patterns  # type: ignore[has-type]  # unannotated there
    return found


def gate_word_alternation(recognizer: PatternRecognizer, alternatives: Iterable[str]) -> None:
    """Makes `recognizer` try its last pattern (a deny list's, which Presidio appends
    last, or a recognizer's only one) only at the starts of words that begin one of
    `alternatives`. Only for a pattern whose every match starts at the start of a
    word that is the first word of one of them, as a deny list's or the given-name
    pattern's does."""
    words = first_words(alternatives)
    if words is None:
        return
    pattern = patterns(recognizer)[-1]
    flags = recognizer.global_regex_flags
    # Presidio compiles a pattern itself unless it was compiled with the flags it
    # uses; a call with other flags still gets its own compilation.
    install_regex(pattern, WordStartRegex(regex.compile(pattern.regex, flags=flags), words), flags)


class DigitGatedRegex:
    """Stands in for a compiled pattern that cannot match without a digit: a text
    with no decimal digit (the regex's `\\d`, which covers its `[0-9]` too) is not
    searched at all."""

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    def finditer(self, text: str, timeout: float | None = None) -> Iterator[Any]:
        if not has_digit(text):
            return iter(())
        found: Iterator[Any] = self._compiled.finditer(text, timeout=timeout)
        return found


_DIGIT = regex.compile(r"\d")
_FUZZY = regex.compile(r"\{\s*[a-z]")


def needs_digit(pattern: str) -> bool:
    """Whether every match of `pattern` needs a decimal digit in the text: read from
    the pattern's parse tree (Python's own regex parser, which reads the syntax these
    patterns use the same way; a pattern it cannot parse counts as not needing one).
    Python's parser reads the regex module's fuzzy constraints ("\\d{e<=1}") as
    literal text, so a pattern that may hold one is not gated either."""
    if _FUZZY.search(pattern):
        return False
    try:
        tree = re_compat.parse(pattern)
    except (re.error, ValueError, TypeError, OverflowError):
        return False
    return _sequence_needs_digit(tree)


def gate_digits(recognizer: PatternRecognizer) -> None:
    """Skips each of the recognizer's patterns that needs a digit on a text without
    one. Presidio's predefined recognizers share their Pattern objects between
    instances (a class attribute), so this recognizer gets its own copies first."""
    own = [copy.copy(pattern) for pattern in patterns(recognizer)]
    flags = recognizer.global_regex_flags
    for pattern in own:
        # (Another instance may have compiled a shared pattern already: a plain
        # compilation is replaced, a gate of this module's is kept.)
        gated = isinstance(compiled_regex(pattern), WordStartRegex | DigitGatedRegex)
        if not gated and needs_digit(pattern.regex):
            install_regex(
                pattern, DigitGatedRegex(regex.compile(pattern.regex, flags=flags)), flags
            )
    recognizer.patterns = own  # type: ignore[has-type]  # unannotated there


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _sequence_needs_digit(items: list[tuple[Any, Any]]) -> bool:
    return any(_item_needs_digit(op, value) for op, value in items)


def _item_needs_digit(op: Any, value: Any) -> bool:
    c = re_compat.OPCODES
    if op is c.LITERAL:
        return chr(value) in _ASCII_DIGITS
    if op is c.IN:
        return _set_is_digits(value)
    if op is c.SUBPATTERN:
        return _sequence_needs_digit(list(value[-1]))
    if op is c.ATOMIC_GROUP:
        return _sequence_needs_digit(list(value))
    if op is c.ASSERT:  # a lookahead or lookbehind that must hold reads the text too
        return _sequence_needs_digit(list(value[1]))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _, body = value
        return bool(low >= 1 and _sequence_needs_digit(list(body)))
    if op is c.BRANCH:
        return all(_sequence_needs_digit(list(branch)) for branch in value[1])
    return False


def _set_is_digits(members: list[tuple[Any, Any]]) -> bool:
    """Whether a character class holds only decimal digits."""
    c = re_compat.OPCODES
    for op, value in members:
        if op is c.LITERAL and chr(value) in _ASCII_DIGITS:
            continue
        if op is c.RANGE and ord("0") <= value[0] <= value[1] <= ord("9"):
            continue
        if op is c.CATEGORY and value is c.CATEGORY_DIGIT:
            continue
        return False
    return bool(members)


_ASCII_DIGITS = frozenset("0123456789")
