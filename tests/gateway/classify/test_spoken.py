"""Numbers as words, read as a dictated number is written."""

from __future__ import annotations

import pytest

from gateway.classify.spoken import spoken_numbers


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("five three six, double two, eight seven four one", "536-22-8741"),
        ("two one nine oh nine nine nine nine nine", "219-09-9999"),  # 9 digits: an SSN's groups
        ("five five five eight six seven five three oh nine", "555-867-5309"),  # 10: a phone's
        ("four one one one dash one one one one", "4111-1111"),
        ("triple seven, twenty-one", "777-21"),
        ("FOUR ONE ONE ONE one one one one", "41111111"),
    ],
)
def test_a_dictated_number_reads_as_written(text: str, digits: str) -> None:
    assert [decoded for _, _, decoded in spoken_numbers(f"it is {text}.")] == [digits]


@pytest.mark.parametrize(
    "text",
    [
        "I have one or two questions.",
        "one two",  # two words are no run
        "one two three",  # three, but fewer than four digits
        "Someone won, too.",
    ],
)
def test_counting_in_prose_is_no_number(text: str) -> None:
    assert list(spoken_numbers(text)) == []


def test_the_span_is_the_whole_run() -> None:
    text = "call five five five one two one two now"
    [(start, end, _)] = spoken_numbers(text)
    assert text[start:end] == "five five five one two one two"
