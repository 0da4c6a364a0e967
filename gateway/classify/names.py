"""Person-name recognizers to back up spaCy's small NER model, which misses many
names ("Tomasz Osei", "Sofia Adeyemi's", "Olu"): a common given name followed by a
surname, and a capitalised given name alone. They only report PERSON, which is never
sensitive alone: it matters in combination with health, HR or financial context."""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from gateway.classify.data import read_list
from gateway.classify.gates import gate_word_alternation

NAMES_RESOURCE = "given_names.txt"
MORE_NAMES_RESOURCE = "given_names_more.txt"
NAME_WORDS_RESOURCE = "name_words.txt"
# A capitalised word (any script's capitals: Łukasz, Ólafur, Çelik), possessive and
# hyphen excluded so "Raj's" reads as "Raj".
_WORD = re.compile(r"(?<![\w-])[A-ZÀ-ÖØ-ÞĀ-Ž][^\W\d_]*(?![\w-])")


def given_names() -> list[str]:
    """The given names shipped in gateway/classify/data, as written there (read when a
    recognizer is built, not at import)."""
    return read_list(NAMES_RESOURCE)


# Surnames may carry any letter: Sørensen, Müller, Çelik, Ó Briain, O'Brien-Sørensen.
_CAPITAL = r"[A-ZÀ-ÖØ-ÞĀ-Ž]"
_REST = r"[^\W\d_]+"
SURNAME = rf"(?:O'|Mc|Mac|de |van |von |Ó )?{_CAPITAL}{_REST}(?:[-']{_CAPITAL}{_REST})?"


def all_given_names() -> list[str]:
    """Both shipped lists: given_names.txt and the broader given_names_more.txt."""
    return given_names() + read_list(MORE_NAMES_RESOURCE)


def given_name_recognizer() -> PatternRecognizer:
    names = sorted(set(given_names()))
    pattern = Pattern("given name and surname", rf"\b(?:{'|'.join(names)})\s+{SURNAME}\b", 0.6)
    recognizer = PatternRecognizer(
        supported_entity="PERSON", name="GivenNameSurnameRecognizer", patterns=[pattern]
    )
    # A match starts at a word that is one of the names: only those are tried.
    gate_word_alternation(recognizer, names)
    return recognizer


class GivenNameRecognizer(EntityRecognizer):
    """A capitalised given name, alone ("Raj's heart", "a card for Aisha") or before a
    capitalised surname: how people name a colleague, a relative or a friend. It reads
    the shipped lists (given_names.txt and the broader given_names_more.txt), matches
    case-sensitively, and a name that is also an everyday word, a place or a brand
    (name_words.txt: "Will", "Chase", "Georgia") counts only before a surname.

    A set lookup per capitalised word, not a regex alternation: the lists hold some
    3,000 names, and Python's `re` would try each of them at every word."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="GivenNameRecognizer")

    def load(self) -> None:
        self._names = frozenset(all_given_names())
        self._words = frozenset(read_list(NAME_WORDS_RESOURCE))
        # Case-sensitive, unlike Presidio's patterns: a surname starts with a capital.
        # A middle initial may come first ("John F. Kennedy", "Michael J Fox").
        self._surname = re.compile(rf"[ \t]+(?:{_CAPITAL}\.?[ \t]+)?({SURNAME})\b")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        found: list[RecognizerResult] = []
        for word in _WORD.finditer(text):
            name = word.group()
            if name not in self._names:
                continue
            surname = self._surname.match(text, word.end())
            if surname is not None and surname.group(1).split()[0] not in self._words:
                # The whole name: redaction must not leave the surname behind.
                found.append(RecognizerResult("PERSON", word.start(), surname.end(), 0.5))
            elif name not in self._words:
                found.append(RecognizerResult("PERSON", word.start(), word.end(), 0.5))
        return found
