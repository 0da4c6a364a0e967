"""Which languages a text is written in that the classifiers cannot read.

The recognizers, name lists and pipelines read the languages the policy lists as
covered (`classifiers.sensitivity.languages`, of those hybridgate ships lists for): a
person's diagnosis in Spanish names no term they know, and would pass as public. So
each classified text (every message, part and field on its own) is checked for
languages the policy does not list; text in one of them is unclassified content
(`language`), which the policy keeps from the cloud unless a rule allows it.
Detection is Google's CLD2 (`pycld2`, offline, a few microseconds per text):
- a language CLD2 finds in a stretch of 32 bytes or more (a German paragraph inside an
  English prompt counts);
- the language of the whole text or of one of its sentences, when CLD2 calls it
  reliable and it holds at least three lower-case words (a bare name, "Oprah
  Winfrey", reads as Frisian);
- at least 8 letters, in words of two or more, of a script the covered languages are
  not written in (Cyrillic, CJK, Arabic...), whatever CLD2 says: a short Chinese
  sentence is too short for it. Greek letters as symbols ("for every ε, a δ") are
  single letters, not words.
A short sentence in a Latin-script language CLD2 cannot place ("Mi madre tiene
cáncer.") is not caught.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pycld2

# The scripts each language is written in; a covered language's are readable.
_SCRIPTS = {"en": frozenset({"LATIN"})}
_MIN_STRETCH = 32  # bytes of one language in CLD2's vectors
_MIN_LOWER_WORDS = 3
_MIN_FOREIGN_LETTERS = 8
_LOWER_WORD = re.compile(r"\b[^\W\d_A-Z][^\W\d_]*\b")
_WORD = re.compile(r"[^\W\d_]{2,}")
_PROSE_SHARE = 0.85
_CODE = re.compile(r"[{}()\[\]<>=;`$#@/\\]")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
UNKNOWN = "un"


class Languages:
    def __init__(self, covered: Iterable[str]) -> None:
        self._covered = frozenset(covered)
        self._scripts = frozenset(
            script for code in self._covered for script in _SCRIPTS.get(code, {"LATIN"})
        )

    def unread(self, text: str) -> frozenset[str]:
        """The languages (ISO 639-1, or a script's name) of `text` the classifiers
        cannot read; empty when it is all in covered languages, or too short to tell."""
        found = self._detected(text)
        # A sentence on its own: in a mixed text CLD2 may place neither language.
        sentences = _SENTENCE.split(text)
        if len(sentences) > 1:
            for sentence in sentences:
                if _prose(sentence):
                    found |= self._detected(sentence)
        if not text.isascii():
            found |= self._foreign_script(text)
        return frozenset(found)

    def written_in(self, text: str) -> str | None:
        """The covered language most of `text` is in, as CLD2 places it: None when it
        cannot tell (a short text, a list of numbers) or the text is mostly in another
        language. It chooses which name pipeline reads the text."""
        try:
            _, _, languages = pycld2.detect(text)
        except pycld2.error:
            return None
        code: str = languages[0][1]
        return code if code in self._covered else None

    def _detected(self, text: str) -> set[str]:
        try:
            reliable, _, languages, vectors = pycld2.detect(text, returnVectors=True)
        except pycld2.error:
            return set()  # text CLD2 cannot take (invalid UTF-8): the script test still runs
        found: dict[str, int] = {}
        for _offset, length, _name, code in vectors:
            if code not in self._covered and code != UNKNOWN:
                found[code] = found.get(code, 0) + length
        detected = {code for code, length in found.items() if length >= _MIN_STRETCH}
        code = languages[0][1]
        if (
            reliable
            and code not in self._covered
            and code != UNKNOWN
            and len(_LOWER_WORD.findall(text)) >= _MIN_LOWER_WORDS
        ):
            detected.add(code)
        return detected

    def _foreign_script(self, text: str) -> set[str]:
        letters: dict[str, int] = {}
        for word in _WORD.findall(text):
            if word.isascii():
                continue
            for char in word:
                script = _script(char)
                if script not in self._scripts:
                    letters[script] = letters.get(script, 0) + 1
        return {s.lower() for s, n in letters.items() if n >= _MIN_FOREIGN_LETTERS}


def _prose(sentence: str) -> bool:
    """Mostly letters: a line of code (brackets, operators, quotes) is read as no
    language, and CLD2 places code lines in random ones."""
    if _CODE.search(sentence):
        return False
    visible = sum(1 for c in sentence if not c.isspace())
    letters = sum(1 for c in sentence if c.isalpha())
    return visible > 0 and letters >= _PROSE_SHARE * visible


def _script(char: str) -> str:
    """The script a letter belongs to, by its Unicode name's first word ("CYRILLIC
    SMALL LETTER A"); CJK ideographs, kana and hangul by theirs."""
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return first or "UNKNOWN"
