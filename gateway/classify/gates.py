"""Big word alternations (the deny lists, the given-name pattern) tried only where
they can match, with the same matches.

Presidio runs such a pattern as one regex: `(?:^|(?<=\\W))(diagnosed|dosage|...)` or
`\\b(?:Aisha|Tomasz|...)\\s+Surname`, which the regex engine tries at every position of
the text, case-insensitively, against a few hundred alternatives: on a 200-character
prompt the given-name pattern and the health, HR and financial deny lists took about
40% of all regex time. Every match of such a pattern starts where a word starts, and
that word (a maximal run of word characters) is, case-insensitively, the first word of
one of the alternatives. So only those positions are tried, with the same compiled
regex, in order, skipping positions inside a match found before: exactly the matches
`finditer` returns.

The word test is a lower-cased set lookup, which agrees with the regex's case-insensitive
comparison for ASCII text and ASCII words. A text with any other character is searched
by the regex as it is, and so is every text when a word is not ASCII or does not start
with a word character.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import regex
from presidio_analyzer import Pattern, PatternRecognizer

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
    # uses; a call with other flags still gets its own compilation. (Presidio
    # annotates both attributes as None.)
    gate = WordStartRegex(regex.compile(pattern.regex, flags=flags), words)
    pattern.compiled_regex = gate  # type: ignore[assignment]
    pattern.compiled_with_flags = flags  # type: ignore[assignment]
