"""Medication names as health context: "she is on lamotrigine", "his Xanax ran out".

The names are the drug dictionary of the `drug-named-entity-recognition` package
(MIT; generic and brand names from MedlinePlus, DrugBank and others), read from its
installed data file without importing the package: its module loads that file and a
cache in the home directory at import. Only single words of five letters or more are
used, minus the shipped given names and the everyday substances, foods, elements and
look-alike words in `medication_words.txt` (peppermint, sulfur, "vitae", "modus").
Like the term lists, a finding is HEALTH_CONTEXT: public alone, sensitive beside a
person."""

from __future__ import annotations

import bz2
import importlib.metadata
import pickle
import re
from pathlib import Path
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from gateway.classify.data import read_list
from gateway.classify.names import all_given_names

DISTRIBUTION = "drug-named-entity-recognition"
DICTIONARY = "drug_ner_dictionary.pkl.bz2"
WORDS_RESOURCE = "medication_words.txt"
ENTITY = "HEALTH_CONTEXT"
SCORE = 0.7
# Shorter entries are mostly abbreviations that are also ordinary tokens ("caps", "cdna").
MIN_LETTERS = 5
_WORD = re.compile(r"(?<![\w-])[^\W\d_][^\W\d_-]*(?:-[^\W\d_]+)*(?![\w-])")
_ENTRY = re.compile(r"[a-z][a-z-]*")


def medication_names() -> frozenset[str]:
    """The lower-cased names the recognizer looks for."""
    dictionary = _installed_dictionary()
    everyday = {word.lower() for word in read_list(WORDS_RESOURCE)}
    people = {name.lower() for name in all_given_names()}
    return frozenset(
        name
        for name in dictionary
        if len(name) >= MIN_LETTERS
        and _ENTRY.fullmatch(name)
        and name not in everyday
        and name not in people
    )


class MedicationRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=[ENTITY], name="MedicationRecognizer")

    def load(self) -> None:
        self._names = medication_names()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult(ENTITY, word.start(), word.end(), SCORE)
            for word in _WORD.finditer(text)
            if len(word.group()) >= MIN_LETTERS and word.group().lower() in self._names
        ]


def _installed_dictionary() -> dict[str, Any]:
    distribution = importlib.metadata.distribution(DISTRIBUTION)
    files = [f for f in distribution.files or () if f.name == DICTIONARY]
    if not files:
        raise FileNotFoundError(f"{DISTRIBUTION} is installed without {DICTIONARY}")
    with bz2.open(Path(str(distribution.locate_file(files[0]))), "rb") as stream:
        # A data file of an installed package: as trusted as the package's code.
        data = pickle.load(stream)
    variants: dict[str, Any] = data["drug_variant_to_canonical"]
    return variants
