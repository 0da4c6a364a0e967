"""Text as the recognizers should see it: disguises taken off, positions kept.

A value can be hidden from a regex without changing what a reader (or a model) sees:
zero-width characters inside an e-mail address, fullwidth or Arabic-Indic digits in a
card number, a Cyrillic "\u0430" in a domain. Recognizers run on a normalized copy:
- invisible and format characters (zero-width, soft hyphen, bidi controls, tags,
  combining marks, fillers) removed;
- Unicode NFKC (fullwidth forms, ligatures, mathematical digits, odd spaces);
- every decimal digit folded to ASCII, and letters that look like Latin ones folded to
  them inside words that also hold Latin letters, digits or "@" (a word written wholly
  in Cyrillic or Greek is left alone);
- letters written for digits inside a number ("536-22-874l", "411l 11l1 1l11 l11l")
  folded to those digits, when the number has at least three digits and more digits
  than letters;
- letter-spaced text ("j o h n @ g m a i l . c o m", five or more single characters
  with spaces between them) closed up, a wider gap kept as one space.
Each normalized character remembers the range of original characters it came from, so
a finding maps back to the exact original span and redaction replaces the disguise too.
ASCII text that none of these can apply to (most prompts: one regex scan tells) is
returned as it is.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Invisible characters that are not of category Cf (format) or Mn (combining marks).
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cc"})
_KEPT_CONTROLS = frozenset("\t\n\r")

# Letters that render like Latin ones (after NFKC), from Unicode's confusables list,
# limited to Cyrillic, Greek, Armenian and Latin look-alikes that disguise identifiers.
_CONFUSABLE_PAIRS = (
    "\u0430a \u0432b \u0435e \u043ak \u043cm \u043dh \u043eo \u0440p \u0441c \u0442t "
    "\u0443y \u0445x \u0455s \u0456i \u0458j \u0501d \u051bq \u051dw \u04bbh \u04cfl "
    "\u0261g \u0251a \u0131i \u0237j \u0410A \u0412B \u0415E \u041aK \u041cM \u041dH "
    "\u041eO \u0420P \u0421C \u0422T \u0425X \u0423Y \u0405S \u0406I \u0408J \u050cG "
    "\u03b1a \u03b2b \u03b5e \u03b9i \u03bak \u03bdv \u03bfo \u03c1p \u03c4t \u03c5u "
    "\u03c7x \u03c9w \u0391A \u0392B \u0395E \u0396Z \u0397H \u0399I \u039aK \u039cM "
    "\u039dN \u039fO \u03a1P \u03a4T \u03a5Y \u03a7X \u0585o \u0578n \u057du \u0570h "
)
_CONFUSABLES = {pair[0]: pair[1] for pair in _CONFUSABLE_PAIRS.split() if len(pair) == 2}
_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "|": "1", "Z": "2",
                     "S": "5", "s": "5", "B": "8", "b": "6", "g": "9", "q": "9"}  # fmt: skip
_MIN_DIGITS = 3  # in a number; "5G" or "B2B" are left alone
_NUMBER_SEPARATORS = frozenset("-./()+,:#")
_MIN_SPACED = 5  # "a b c d" can be prose; five single characters in a row rarely are
_LOOKALIKE_CLASS = "[" + re.escape("".join(_DIGIT_LOOKALIKES)) + "]"
# Quotes, brackets and separators that can stick to the first or last character of a
# letter-spaced run ('"A K I A ... O P"}' in tool-call arguments) without ending it.
_STICKY = "\"'`()[]{}<>,;:"
# At most three: unbounded, a long run of brackets made the search below quadratic
# (two stars over the same characters, and nothing after them that can match).
_STICKY_CLASS = "[" + re.escape(_STICKY) + "]{0,3}"
# ASCII text needs the character walk only when one of these is in it.
_ASCII_SUSPECT = re.compile(
    rf"(?<!\S){_STICKY_CLASS}\S{_STICKY_CLASS}"
    rf"(?:[ \t]+{_STICKY_CLASS}\S{_STICKY_CLASS}(?!\S)){{4,}}"  # letter-spaced
    rf"|\d{_LOOKALIKE_CLASS}|{_LOOKALIKE_CLASS}\d"  # a letter beside a digit
)


@dataclass(frozen=True)
class Normalized:
    """A normalized text and, for each of its characters, the original range."""

    original: str
    text: str
    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()
    # Letters were read as digits somewhere: an identifier with a letter prefix
    # ("Z053-230-19") may then need reading as written too (see `readings`).
    folded_numbers: bool = False

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters behind normalized [start, end)."""
        if not self.starts or start >= end:
            return start, end
        return self.starts[start], self.ends[end - 1]


def readings(text: str) -> list[Normalized]:
    """The normalized text, and when letters were read as digits, the same without
    that step: recognizers run on both, so that neither reading hides a value."""
    first = normalize(text)
    if not first.folded_numbers:
        return [first]
    return [first, normalize(text, fold_numbers=False)]


def normalize(text: str, fold_numbers: bool = True) -> Normalized:
    if (
        text.isascii()
        and (text.isprintable() or _only_kept_controls(text))
        and not _ASCII_SUSPECT.search(text)
    ):
        return Normalized(text, text)
    chars: list[str] = []
    starts: list[int] = []
    for index, char in enumerate(text):
        for out in _fold(char):
            chars.append(out)
            starts.append(index)
    chars, starts = _close_up_spaced(chars, starts)
    words = _words(chars)
    for start, end in words:
        _fold_letters(chars, start, end)
    before = list(chars) if fold_numbers else chars
    if fold_numbers:
        _fold_numbers(chars, words)
    if "".join(chars) == text:
        return Normalized(text, text)
    ends = [i + 1 for i in starts]
    return Normalized(
        text, "".join(chars), tuple(starts), tuple(ends), folded_numbers=before != chars
    )


def _only_kept_controls(text: str) -> bool:
    return all(c.isprintable() or c in _KEPT_CONTROLS for c in text)


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """What one character becomes: nothing, itself, or its NFKC form with digits in ASCII."""
    if char.isascii():
        return "" if not char.isprintable() and char not in _KEPT_CONTROLS else char
    if char in _INVISIBLE or unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    folded = unicodedata.normalize("NFKC", char)
    return "".join(_ascii_digit(c) for c in folded if unicodedata.category(c) != "Mn")


def _ascii_digit(char: str) -> str:
    if char.isascii():
        return char
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char


def _words(chars: list[str]) -> list[tuple[int, int]]:
    """[start, end) of each run of non-space characters."""
    found: list[tuple[int, int]] = []
    start = 0
    while start < len(chars):
        if chars[start].isspace():
            start += 1
            continue
        end = start
        while end < len(chars) and not chars[end].isspace():
            end += 1
        found.append((start, end))
        start = end
    return found


def _fold_letters(chars: list[str], start: int, end: int) -> None:
    """Folds look-alike letters to Latin inside a word that mixes them with Latin
    letters, digits or '@'; in place."""
    word = chars[start:end]
    if any(c in _CONFUSABLES for c in word) and any(
        c.isascii() and (c.isalnum() or c == "@") for c in word
    ):
        chars[start:end] = [_CONFUSABLES.get(c, c) for c in word]


def _fold_numbers(chars: list[str], words: list[tuple[int, int]]) -> None:
    """Letters written for digits inside a number: consecutive words that each hold a
    digit and otherwise only digit look-alikes and separators ("411l 11l1 1l11 l11l")
    are one number; with at least three digits and more digits than letters, its
    letters are folded to the digits they stand for. In place."""
    unit: list[tuple[int, int]] = []
    for word in [*words, (-1, -1)]:
        if word[0] >= 0 and _number_like(chars[word[0] : word[1]]):
            unit.append(word)
            continue
        positions = [i for start, end in unit for i in range(start, end)]
        digits = sum(1 for i in positions if chars[i].isdigit())
        letters = sum(1 for i in positions if chars[i] in _DIGIT_LOOKALIKES)
        if digits >= _MIN_DIGITS and 0 < letters < digits:
            for i in positions:
                chars[i] = _DIGIT_LOOKALIKES.get(chars[i], chars[i])
        unit = []


def _number_like(word: list[str]) -> bool:
    return any(c.isdigit() for c in word) and all(
        c.isdigit() or c in _DIGIT_LOOKALIKES or c in _NUMBER_SEPARATORS for c in word
    )


def _single(word: list[str]) -> bool:
    """One character, maybe with quotes or brackets stuck to it."""
    return len("".join(word).strip(_STICKY)) == 1 or len(word) == 1


def _close_up_spaced(chars: list[str], starts: list[int]) -> tuple[list[str], list[int]]:
    """Closes up runs of single characters written with spaces between them: a single
    space inside such a run goes, a wider gap (between the spaced words) becomes one."""
    words = _words(chars)
    drop: set[int] = set()
    run: list[tuple[int, int]] = []
    for word in [*words, (-1, -1)]:
        single = _single(chars[word[0] : word[1]]) if word[0] >= 0 else False
        gap = chars[run[-1][1] : word[0]] if run and single else []
        if single and (not run or (gap and "\n" not in gap)):
            run.append(word)
            continue
        if len(run) >= _MIN_SPACED:
            for (_, end), (start, _) in itertools.pairwise(run):
                # One space of a gap is kept when the gap is wider than one.
                drop.update(range(end, start) if start - end == 1 else range(end + 1, start))
        run = [word] if single else []
    if not drop:
        return chars, starts
    kept = [i for i in range(len(chars)) if i not in drop]
    return [chars[i] for i in kept], [starts[i] for i in kept]
