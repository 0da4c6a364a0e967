"""The sensitivity classifier on real Presidio and the real spaCy model."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pytest
import tldextract

from gateway.classify.extract import Segment
from gateway.classify.sensitivity import SensitivityClassifier
from gateway.classify.signals import Level
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY

OPTIONS = load_classifier_options(DEFAULT_POLICY).sensitivity


@pytest.fixture(scope="module")
def classifier() -> SensitivityClassifier:
    return SensitivityClassifier(OPTIONS)


def level_of(classifier: SensitivityClassifier, *texts: str) -> Level:
    return classifier.classify([Segment("user", t) for t in texts]).level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("When was Abraham Lincoln born?", Level.PUBLIC),
        ("What time zone is Tokyo in, and when does Microsoft's fiscal year end?", Level.PUBLIC),
        ("What are common symptoms of the flu?", Level.PUBLIC),
        ("How do companies set salary bands?", Level.PUBLIC),
        ("Email the report to user@example.com", Level.PUBLIC),
        ("Set api_key = YOUR_API_KEY_HERE in the config", Level.PUBLIC),
        ("Draft a note to Jane Doe: her SSN 536-22-8741 is on file", Level.RESTRICTED),
        ("Charge card 4111 1111 1111 1111 for the order", Level.RESTRICTED),
        ("Wire it to IBAN DE89 3704 0044 0532 0130 00", Level.RESTRICTED),
        ("Send the summary to maria.lopez82@gmail.com", Level.CONFIDENTIAL),
        ("Patient Mary Jones was diagnosed with type 2 diabetes", Level.RESTRICTED),
        ("Write Tom Becker's performance review; his salary is 98k", Level.CONFIDENTIAL),
        ("Why does boto3 fail with AKIA4HX7QWE3RTY5UIOP?", Level.RESTRICTED),
        ("token ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5 is not working", Level.RESTRICTED),
        ("DATABASE_URL=postgresql://admin:S3cr3tPass@db.internal:5432/prod", Level.RESTRICTED),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
            Level.RESTRICTED,
        ),
        ("Summarise the Q3 risks for project bluefin", Level.CONFIDENTIAL),
        # A person named by a given name alone, by kinship or by relation.
        ("Olu needs time off for dialysis three mornings a week.", Level.RESTRICTED),
        ("My teenage daughter has been diagnosed with type 1 diabetes.", Level.RESTRICTED),
        ("Why doesn't Grandma recognise us since her stroke?", Level.RESTRICTED),
        ("A colleague of mine was just diagnosed with cancer.", Level.RESTRICTED),
        ("My neighbour owes the bank thousands and is in arrears.", Level.CONFIDENTIAL),
        # Anyone in a role is no one in particular; NaN is not a grandmother.
        ("What is the average salary of a nurse in Germany?", Level.PUBLIC),
        ("Fill NaN values in the salary column with the median.", Level.PUBLIC),
        # A patient by identifier alone; a lab value with someone; a record number.
        ("Book patient 55102874 for a repeat scan next week.", Level.RESTRICTED),
        ("Summarise the trend for pt QX-20931: creatinine 1.4, 1.9, 2.3.", Level.RESTRICTED),
        ("My dad's potassium was 6.1 this morning; should we worry?", Level.RESTRICTED),
        ("Resident 4419 had a fall and her sodium is 124.", Level.RESTRICTED),
        ("We won't be renewing Tomasz Kowal's contract after March.", Level.CONFIDENTIAL),
        ("Summarize: Employee #44821 was terminated for cause on 3/14.", Level.CONFIDENTIAL),
        # "patient identifier" is a phrase, not an id.
        ("Explain what a patient identifier is in hospital record systems.", Level.PUBLIC),
        # A lab value alone is a topic; a year is not an identifier.
        ("What does a potassium of 5.9 mean on a lab report?", Level.PUBLIC),
        ("How many patients in 2024 were treated for sepsis?", Level.PUBLIC),
    ],
)
def test_levels_on_real_presidio(
    classifier: SensitivityClassifier, text: str, level: Level
) -> None:
    assert level_of(classifier, text) == level


@pytest.mark.parametrize(
    ("text", "health"),
    [
        ("Priya's INR is 4.8 on warfarin.", True),
        ("Priya's oxygen sats were 88% overnight.", True),
        # INR is also the rupee, and SATs are school tests.
        ("Priya sent INR 5,000 for the gifts.", False),
        ("Priya sent INR 4.5 lakh for the flat.", False),
        ("Priya got SATs 105 in maths.", False),
    ],
)
def test_lab_values_are_not_read_into_money_or_school_tests(
    classifier: SensitivityClassifier, text: str, health: bool
) -> None:
    entities = classifier.classify([Segment("user", text)]).entities
    assert ("HEALTH_CONTEXT" in entities) is health, entities


def test_signals_name_types_never_values(classifier: SensitivityClassifier) -> None:
    signal = classifier.classify([Segment("user", "my SSN is 536-22-8741, I am Jane Doe")])
    assert "536-22-8741" not in repr(signal)
    assert "Jane" not in repr(signal)
    assert signal.entities.get("US_SSN", 0) + signal.entities.get("GOVERNMENT_ID", 0) >= 1


def test_combinations_span_messages(classifier: SensitivityClassifier) -> None:
    # The name in one turn and the diagnosis in the next still make health data.
    assert (
        level_of(
            classifier, "I need help with a letter about Robert Kim.", "He was diagnosed with HIV."
        )
        == Level.RESTRICTED
    )


def test_a_conversation_pays_only_for_new_messages(classifier: SensitivityClassifier) -> None:
    turns = [Segment("user", f"turn {i}: tell me about Lisbon in May") for i in range(20)]
    classifier.classify(turns[:19])
    misses = classifier.cache.misses
    classifier.classify(turns)
    assert classifier.cache.misses == misses + 1


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    attempts: list[Any] = []
    # An empty tldextract cache: whatever reaches for the suffix list must go online.
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def test_no_network_at_start_up_or_per_request(no_network: list[Any]) -> None:
    fresh = SensitivityClassifier(OPTIONS)  # loads spaCy and every recognizer
    signal = fresh.classify(
        [Segment("user", "Write to jane.doe@contoso-mail.com and bob@company.co.uk today")]
    )
    assert signal.entities.get("EMAIL_ADDRESS") == 2
    assert no_network == []


def test_the_block_catches_tldextracts_default(no_network: list[Any], tmp_path: Path) -> None:
    # The control: the configuration stock Presidio uses does try to go online.
    logging.getLogger("tldextract").disabled = True
    try:
        tldextract.TLDExtract(cache_dir=str(tmp_path))("jane.doe@contoso-mail.com")
    finally:
        logging.getLogger("tldextract").disabled = False
    assert no_network


def test_ner_runs_only_when_a_name_could_change_the_level(
    classifier: SensitivityClassifier,
) -> None:
    # No health, HR or financial context: spaCy's NER is skipped, PERSON not reported.
    # (A given name the name lists do not hold: only NER can find this person.)
    quiet = classifier.classify([Segment("user", "Kwadwo Mensah scored twice on Sunday.")])
    assert "PERSON" not in quiet.entities
    # With health context, NER looks for the person the regexes do not know.
    loud = classifier.classify([Segment("user", "Kwadwo Mensah was diagnosed with malaria.")])
    assert loud.entities.get("PERSON") == 1
    assert loud.level == Level.RESTRICTED


@pytest.mark.parametrize(
    ("text", "entity", "encodings"),
    [
        ("Her SSN is NTM2LTIyLTg3NDE= on file.", "US_SSN", ["base64"]),
        ("GET /u?email=maria.lopez82%40gmail.com&x=1", "EMAIL_ADDRESS", ["percent"]),
        (
            "card four one one one, one one one one, one one one one, one one one one",
            "CREDIT_CARD",
            ["spoken-number"],
        ),
        ("note: bWFyaWEubG9wZXo4MiU0MGdtYWlsLmNvbQ==", "EMAIL_ADDRESS", ["base64", "percent"]),
    ],
)
def test_a_value_found_by_decoding_counts_as_plain_and_says_how_it_was_read(
    classifier: SensitivityClassifier, text: str, entity: str, encodings: list[str]
) -> None:
    signal = classifier.classify([Segment("user", text)])
    assert signal.entities.get(entity, 0) >= 1
    assert signal.level >= Level.CONFIDENTIAL
    assert signal.as_json()["decoded"][entity] == encodings
    assert text not in str(signal.as_json())


def test_a_plain_finding_carries_no_decoded_mark(classifier: SensitivityClassifier) -> None:
    signal = classifier.classify([Segment("user", "Her SSN is 536-22-8741.")])
    assert signal.level == Level.RESTRICTED
    assert "decoded" not in signal.as_json()
    assert signal.unreadable == frozenset()


def test_a_person_and_a_condition_in_base64_are_both_read(
    classifier: SensitivityClassifier,
) -> None:
    hidden = "UGF0aWVudCBNYXJ5IEpvbmVzIHdhcyBkaWFnbm9zZWQgd2l0aCB0eXBlIDIgZGlhYmV0ZXMu"
    text = f"Please read this note: {hidden}"
    assert level_of(classifier, text) == Level.RESTRICTED
    # Both findings redact the whole encoded span, nothing else.
    spans = classifier.spans(text)
    assert {(start, end) for start, end, _ in spans} == {(len(text) - len(hidden), len(text))}
