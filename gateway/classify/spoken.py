"""Numbers written as words, as speech-to-text writes a dictated number: "five three
six, double two, eight seven four one" reads as 536-22-8741 (a decoder of
`gateway.classify.decode`).

A run is three or more number words in a row that give four or more digits; a pause
written as punctuation or a dash word is a group break, and an ungrouped run of 9 or
10 digits is written in the groups of an SSN or a NANP phone number, so that the
number-shaped recognizers read it as they read a written one. Every repetition is
bounded: linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_UNITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "nil": 0, "one": 1, "two": 2,
          "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9}  # fmt: skip
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
          "nineteen": 19}  # fmt: skip
_TENS = {"twenty": 2, "thirty": 3, "forty": 4, "fifty": 5, "sixty": 6, "seventy": 7,
         "eighty": 8, "ninety": 9}  # fmt: skip
_REPEATS = {"double": 2, "triple": 3}
_UNIT = "|".join(_UNITS)
_NUMBER_WORD = (
    rf"(?:(?:double|triple)[ \t]{{1,4}}(?:{_UNIT})"
    rf"|(?:{'|'.join(_TENS)})(?:[ \t-]{{1,4}}(?:{_UNIT}))?"
    rf"|(?:{'|'.join(_TEENS)})"
    rf"|(?:{_UNIT})(?:[ \t]{{1,4}}hundred)?)\b"
)
# Between two spoken digits: a pause written as punctuation or a word is a group break.
_NUMBER_SEP = r"(?:[ \t]{0,4}(?:[,.;/:\u2013\u2014-]|\bdash\b|\bhyphen\b)[ \t]{0,4}|[ \t]{1,4})"
_SPOKEN = re.compile(rf"(?i)\b{_NUMBER_WORD}(?:{_NUMBER_SEP}{_NUMBER_WORD}){{2,}}")
_WORD = re.compile(r"[A-Za-z]+")
_FIRST_WORDS = frozenset([*_UNITS, *_TEENS, *_TENS, *_REPEATS])
_SPOKEN_PART = re.compile(rf"(?i)({_NUMBER_WORD})({_NUMBER_SEP})?")
_MIN_SPOKEN_DIGITS = 4
# How an ungrouped dictated number is written: the groups a number of its length has
# in the formats the number-shaped recognizers know (an SSN, a NANP phone number).
_GROUPS = {9: (3, 2, 4), 10: (3, 3, 4)}


def _spoken_matches(text: str) -> Iterator[re.Match[str]]:
    """`_SPOKEN.finditer`, tried only where a word that can begin it starts (the
    regex alone tries every position against every number word)."""
    # A run needs three number words: most texts hold fewer, told by one C-level pass.
    if sum(map(_FIRST_WORDS.__contains__, _WORD.findall(text.lower()))) < 3:
        return
    searched_to = 0
    for word in _WORD.finditer(text):
        if word.start() < searched_to or word.group().lower() not in _FIRST_WORDS:
            continue
        found = _SPOKEN.match(text, word.start())
        if found is not None:
            yield found
            searched_to = found.end()


def spoken_numbers(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _spoken_matches(text):
        groups: list[str] = [""]
        for part in _SPOKEN_PART.finditer(match.group()):
            groups[-1] += _digits(part.group(1))
            separator = part.group(2) or ""
            if separator.strip():
                groups.append("")
        digits = "".join(groups)
        if len(digits) < _MIN_SPOKEN_DIGITS:
            continue
        if len(groups) == 1 and len(digits) in _GROUPS:
            groups, rest = [], digits
            for size in _GROUPS[len(digits)]:
                groups.append(rest[:size])
                rest = rest[size:]
        yield match.start(), match.end(), "-".join(g for g in groups if g)


def _digits(words: str) -> str:
    parts = words.lower().split()
    first = parts[0].split("-")[0]
    if first in _REPEATS:
        return str(_UNITS[parts[-1]]) * _REPEATS[first]
    if first in _TENS:
        unit = words.lower().replace("-", " ").split()[1:]
        return f"{_TENS[first]}{_UNITS[unit[0]] if unit else 0}"
    if first in _TEENS:
        return str(_TEENS[first])
    return str(_UNITS[first]) + ("00" if len(parts) > 1 else "")
