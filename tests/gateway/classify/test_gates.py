"""The word-start gate finds exactly what the plain regex finds, and stays off where
its reasoning would not hold."""

from __future__ import annotations

from typing import Any

import pytest
import regex
from presidio_analyzer import PatternRecognizer
from presidio_analyzer.predefined_recognizers import PhoneRecognizer, UsSsnRecognizer

from gateway.classify.gates import (
    DigitGatedRegex,
    WordStartRegex,
    first_words,
    gate_word_alternation,
    needs_digit,
    patterns,
)
from gateway.classify.lexicons import LexiconRecognizer, PeopleRecognizer
from gateway.classify.names import given_name_recognizer
from gateway.classify.recognizers import (
    StrictPhoneRecognizer,
    all_recognizers,
    policy_recognizers,
    predefined_recognizers,
)
from gateway.classify.secrets import secret_recognizers
from gateway.classify.subjects import named_subjects
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY

TERMS = ["diagnosed", "diagnosed with", "mg", "Crohn's", "self-harm", "A1C", "heart attack",
         "attack", "positive for", "tested positive"]  # fmt: skip
TEXTS = [
    "",
    "diagnosed",
    "She was Diagnosed with Crohn's; 20 MG daily.",
    "tested positive for covid, positive for flu",
    "a heart attack, then another attack\nattack at the start of a line",
    "undiagnosed, diagnosedwith, xmg mgx, A1C=7, a1c_2, self-harmful self-harm",
    "Priya Shah met Tomasz Osei and aisha khan; Olu alone.",
    "Caf\u00e9: diagnosed with \u0410\u0421\u0415 (non-ASCII text takes the plain search)",
    "Crohn\u2019s and crohn's",
]


def _deny(terms: list[str], gated: bool) -> PatternRecognizer:
    recognizer = PatternRecognizer(supported_entity="X", deny_list=terms)
    if gated:
        gate_word_alternation(recognizer, terms)
    return recognizer


def _key(recognizer: PatternRecognizer, text: str) -> list[tuple[int, int, float]]:
    return sorted((r.start, r.end, r.score) for r in recognizer.analyze(text, ["X"]))


@pytest.mark.parametrize("text", TEXTS)
def test_deny_list_gate_finds_what_the_regex_finds(text: str) -> None:
    gated, plain = _deny(TERMS, gated=True), _deny(TERMS, gated=False)
    assert isinstance(patterns(gated)[-1].compiled_regex, WordStartRegex)
    assert _key(gated, text) == _key(plain, text)


@pytest.mark.parametrize("text", TEXTS)
def test_given_name_gate_finds_what_the_regex_finds(text: str) -> None:
    gated = given_name_recognizer()
    pattern = patterns(gated)[0]
    plain = regex.compile(pattern.regex, flags=gated.global_regex_flags)
    gate = pattern.compiled_regex
    assert isinstance(gate, WordStartRegex)
    found = [m.span() for m in gate.finditer(text)]
    assert found == [m.span() for m in plain.finditer(text)]


def test_matches_in_order_and_without_overlap() -> None:
    compiled = regex.compile(r"\b(?:ab|ab cd|cd)\b", flags=regex.IGNORECASE)
    gate = WordStartRegex(compiled, frozenset({"ab", "cd"}))
    text = "ab cd cd AB"
    assert [m.span() for m in gate.finditer(text)] == [m.span() for m in compiled.finditer(text)]


def test_no_gate_where_the_reasoning_does_not_hold() -> None:
    assert first_words(["diagnosed", "-flag"]) is None  # starts with a non-word character
    assert first_words(["caf\u00e9"]) is None  # not ASCII
    assert first_words(["Heart attack", "heart"]) == frozenset({"heart"})
    recognizer = _deny(["-flag", "word"], gated=True)
    assert patterns(recognizer)[-1].compiled_regex is None  # Presidio compiles it as usual


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"\d", True),
        (r"\b[0-9]{9}\b", True),
        (r"a?\d", True),
        (r"(?:1|\d)x", True),
        (r"(?i)pin\s*(?=\w*\d)\w+", True),  # a lookahead that must hold reads the text
        (r"(?:a|\d)", False),  # one branch needs none
        (r"(?!\d)\w", False),
        (r"x{0,3}\d{0}", False),
        (r"[^0-9]", False),
        (r"[0-9a-f]", False),
        (r"\d{e<=1}", False),  # the regex module's fuzzy match: a digit may be missing
        (r"\p{Nd}", False),  # Python's parser cannot read it: not gated
    ],
)
def test_needs_digit(pattern: str, needs: bool) -> None:
    assert needs_digit(pattern) is needs


DIGIT_TEXTS = [
    "No digits here: my SSN, passport and driving licence are on file; call me, patient.",
    "Her password is hunter and the pin is secret; creatinine was high.",
    "SSN 536-22-8741, passport X12345678, call 415 555 0132, patient 55102874.",
    "Fullwidth digits are digits too: \uff15\uff13\uff16-\uff12\uff12-\uff18\uff17\uff14\uff11",
    "",
]


def _results(recognizer: Any, text: str) -> list[tuple[str, int, int, float]]:
    found = recognizer.analyze(text, recognizer.supported_entities, None)
    return sorted((r.entity_type, r.start, r.end, r.score) for r in found)


@pytest.fixture(scope="module")
def gated_and_plain() -> list[tuple[Any, Any]]:
    """Each recognizer as all_recognizers builds it, beside the same one ungated."""
    options = load_classifier_options(DEFAULT_POLICY).sensitivity
    # The German and French lists are searched word by word, never by a gated regex:
    # nothing to compare them with.
    gated = [
        r
        for r in all_recognizers(options)
        if not isinstance(r, LexiconRecognizer | PeopleRecognizer)
    ]
    plain = [
        *predefined_recognizers(),
        *secret_recognizers(),
        *policy_recognizers(options),
        named_subjects(options.data_subject_roles),
    ]
    pairs = []
    for with_gate, without in zip(gated, plain, strict=True):
        if isinstance(without, StrictPhoneRecognizer):
            without = PhoneRecognizer()  # the same search, never gated
        for recognizer in (with_gate, without):
            recognizer.load()
        pairs.append((with_gate, without))
    return pairs


@pytest.mark.parametrize("text", DIGIT_TEXTS)
def test_digit_gates_change_no_result(gated_and_plain: list[tuple[Any, Any]], text: str) -> None:
    skipped = 0
    for with_gate, without in gated_and_plain:
        for pattern in patterns(without) if isinstance(without, PatternRecognizer) else []:
            assert not isinstance(pattern.compiled_regex, DigitGatedRegex)
        expected = [r for r in _results(without, text) if not _bare_digits(text, r)]
        assert [r for r in _results(with_gate, text) if not _bare_digits(text, r)] == expected
        skipped += sum(
            isinstance(p.compiled_regex, DigitGatedRegex)
            for p in (patterns(with_gate) if isinstance(with_gate, PatternRecognizer) else [])
        )
    assert skipped > 10  # the gates are on


def _bare_digits(text: str, result: tuple[str, int, int, float]) -> bool:
    """A phone finding that StrictPhoneRecognizer drops on purpose."""
    return result[0] == "PHONE_NUMBER" and text[result[1] : result[2]].isdigit()


def test_predefined_patterns_stay_ungated_elsewhere(
    gated_and_plain: list[tuple[Any, Any]],
) -> None:
    """Presidio shares a predefined recognizer's Pattern objects between instances:
    gating hybridgate's must leave a stock recognizer's as they were, and a pattern
    that a stock recognizer compiled first is still gated in hybridgate's."""
    stock = UsSsnRecognizer()
    stock.analyze("536-22-8741", ["US_SSN"])  # compiles the shared patterns
    ours = next(r for r, _ in gated_and_plain if isinstance(r, UsSsnRecognizer))
    fresh = all_recognizers(load_classifier_options(DEFAULT_POLICY).sensitivity)
    assert all(isinstance(p.compiled_regex, DigitGatedRegex) for p in patterns(ours))
    ssn = next(r for r in fresh if isinstance(r, UsSsnRecognizer))
    assert all(isinstance(p.compiled_regex, DigitGatedRegex) for p in patterns(ssn))
    assert not any(
        isinstance(p.compiled_regex, DigitGatedRegex) for p in patterns(UsSsnRecognizer())
    )
