"""The word-start gate finds exactly what the plain regex finds, and stays off where
its reasoning would not hold."""

from __future__ import annotations

import pytest
import regex
from presidio_analyzer import PatternRecognizer

from gateway.classify.gates import WordStartRegex, first_words, gate_word_alternation, patterns
from gateway.classify.names import given_name_recognizer

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
