"""Medication names as health context, from the installed drug dictionary."""

from __future__ import annotations

import sys

import pytest

from gateway.classify.extract import Segment
from gateway.classify.medication import MedicationRecognizer, medication_names
from gateway.classify.sensitivity import SensitivityClassifier
from gateway.classify.signals import Level
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY


@pytest.fixture(scope="module")
def recognizer() -> MedicationRecognizer:
    return MedicationRecognizer()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("She has been on lamotrigine since May.", ["lamotrigine"]),
        ("His Xanax ran out and the pharmacy is shut.", ["Xanax"]),
        ("Is LEVETIRACETAM safe with Zoloft?", ["LEVETIRACETAM", "Zoloft"]),
        # Everyday substances and look-alike words are not medication.
        ("Peppermint tea with a pinch of sulfur-free salt.", []),
        ("Attach your curriculum vitae; modus operandi below.", []),
        # Part of a longer word is not a name.
        ("prelamotriginepost", []),
    ],
)
def test_medication_names_are_found(
    recognizer: MedicationRecognizer, text: str, found: list[str]
) -> None:
    results = recognizer.analyze(text, ["HEALTH_CONTEXT"])
    assert [text[r.start : r.end] for r in results] == found
    assert all(r.entity_type == "HEALTH_CONTEXT" for r in results)


def test_the_names_come_from_the_installed_dictionary_without_importing_it() -> None:
    names = medication_names()
    assert len(names) > 20_000
    assert {"lamotrigine", "xanax", "metformin"} <= names
    assert "peppermint" not in names
    assert "drug_named_entity_recognition" not in sys.modules


def test_a_person_on_a_medication_is_restricted_and_the_drug_alone_is_not() -> None:
    # Without the semantic context recognizer, which knows some drugs by meaning: the
    # medication name is what makes the health context here.
    options = load_classifier_options(DEFAULT_POLICY).sensitivity
    classifier = SensitivityClassifier(options.model_copy(update={"semantic_context": []}))
    person = "Ask Dariusz whether his clozapine order went through."
    topic = "What are the common side effects of clozapine?"
    assert classifier.classify([Segment("user", person)]).level == Level.RESTRICTED
    assert classifier.classify([Segment("user", topic)]).level == Level.PUBLIC
