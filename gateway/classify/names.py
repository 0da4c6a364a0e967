"""A person-name recognizer to back up spaCy's small NER model, which misses many
names ("Tomasz Osei", "Sofia Adeyemi's"). It matches a common given name followed by a
capitalised surname. It only reports PERSON, which is never sensitive alone: it
matters in combination with health, HR or financial context."""

from __future__ import annotations

import importlib.resources

from presidio_analyzer import Pattern, PatternRecognizer

NAMES_RESOURCE = "given_names.txt"
# Given names that are also everyday words: alone, they say nothing about a person.
_WORDS = frozenset(
    {"Grace", "Mark", "Will", "May", "Rose", "Hope", "Faith", "Joy", "Art", "Bill", "June",
     "April", "August", "Summer", "Dawn", "Frank", "Jack", "Sandy", "Victor", "Guy", "Pat",
     "Sue", "Rob", "Ray", "Don", "Chance", "Lane", "Page", "Sky", "Iris", "Ivy", "Hunter"}
)  # fmt: skip


def given_names() -> list[str]:
    """The given names shipped in gateway/classify/data, as written there (read when a
    recognizer is built, not at import)."""
    resource = importlib.resources.files("gateway.classify.data").joinpath(NAMES_RESOURCE)
    lines = (line.strip() for line in resource.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def given_name_recognizer() -> PatternRecognizer:
    names = "|".join(sorted(set(given_names())))
    # Surnames may carry any letter: Sørensen, Müller, Çelik, Ó Briain.
    capital = r"[A-ZÀ-ÖØ-ÞĀ-Ž]"
    rest = r"[^\W\d_]+"
    surname = rf"(?:O'|Mc|Mac|de |van |von |Ó )?{capital}{rest}(?:[-']{capital}{rest})?"
    return PatternRecognizer(
        supported_entity="PERSON",
        name="GivenNameSurnameRecognizer",
        patterns=[Pattern("given name and surname", rf"\b(?:{names})\s+{surname}\b", 0.6)],
    )


def given_name_alone_recognizer() -> PatternRecognizer:
    """A capitalised given name on its own ("Raj's heart", "a card for Aisha"): how
    people name a colleague or a friend. Case-sensitive, and never a name that is also
    an everyday word, so "may" and "Grace period" are no one."""
    names = "|".join(sorted(set(given_names()) - _WORDS))
    return PatternRecognizer(
        supported_entity="PERSON",
        name="GivenNameRecognizer",
        patterns=[Pattern("given name", rf"(?<![\w-])(?:{names})(?![\w-])", 0.5)],
        global_regex_flags=0,
    )
