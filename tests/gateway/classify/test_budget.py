"""The classification budget: what is read of a request, windows over long texts, and
a deadline that every regex search keeps and that turns a timeout into an overrun
instead of a silent skip."""

from __future__ import annotations

import itertools

import pytest
import regex
from presidio_analyzer import Pattern, PatternRecognizer

from gateway.classify.budget import (
    CHUNK_OVERLAP,
    KEPT_WHOLE,
    MERGED,
    Budget,
    Deadline,
    DeadlineClock,
    DeadlineRegex,
    Overrun,
    bind_deadline,
    chunks,
    within,
)
from gateway.classify.extract import SEAM, Segment

# Exponential backtracking even in the regex module: seconds at 30 characters.
CATASTROPHIC = r"(?:a|aa|aaa)+$"
SLOW_TEXT = "a" * 40 + "!"


def test_text_past_the_character_cap_is_not_read_and_says_so() -> None:
    found = [Segment("user", "a" * 600), Segment("user", "b" * 600), Segment("user", "c")]
    read, cut = within(found, Budget(max_chars=1_000))
    assert cut
    assert [len(s.text) for s in read] == [600, 400]
    assert within(found, Budget(max_chars=10_000)) == (found, False)


def test_many_messages_are_read_merged_with_the_newest_kept_whole() -> None:
    texts = [Segment("user", f"message {i}") for i in range(1_000)]
    seams = [Segment(SEAM, f"seam {i}") for i in range(999)]
    read, cut = within([*texts, *seams], Budget(max_messages=64))
    assert not cut
    assert len(read) < 64
    # Every text is still read, once.
    joined = "\n\n".join(s.text for s in read)
    assert all(f"message {i}" in joined for i in (0, 500, 999))
    assert [s.text for s in read if s.role == "user"][-KEPT_WHOLE:] == [
        f"message {i}" for i in range(1_000 - KEPT_WHOLE, 1_000)
    ]
    assert {s.role for s in read} == {MERGED, "user"}


def test_long_texts_are_read_in_overlapping_windows() -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(12_000))
    windows = chunks(text, 5_000)
    assert windows[0] == (0, text[:5_000])
    for (start, _), (next_start, _) in itertools.pairwise(windows):
        assert next_start == start + 5_000 - CHUNK_OVERLAP  # each overlaps the next
    assert windows[-1][0] + len(windows[-1][1]) == len(text)
    assert chunks("short", 5_000) == [(0, "short")]


def test_a_deadline_is_checked_against_its_clock() -> None:
    now = [100.0]
    deadline = Deadline(2.0, clock=lambda: now[0])
    deadline.check()
    now[0] = 102.5
    with pytest.raises(Overrun) as overrun:
        deadline.check()
    assert overrun.value.reason == "timeout"


def test_each_thread_has_its_own_deadline() -> None:
    clock = DeadlineClock()
    assert clock.current is None
    deadline = Deadline(5.0)
    with clock.running(deadline):
        assert clock.current is deadline
    assert clock.current is None


def test_a_regex_that_runs_out_of_time_is_an_overrun_not_a_skip() -> None:
    clock = DeadlineClock()
    catastrophic = DeadlineRegex(regex.compile(CATASTROPHIC), clock)
    with clock.running(Deadline(0.05)), pytest.raises(Overrun):
        catastrophic.finditer(SLOW_TEXT)
    # Without a deadline it searches as Presidio asked (a linear text here).
    assert [m.group() for m in catastrophic.finditer("aaa", timeout=1.0)] == ["aaa"]


def test_every_pattern_of_a_recognizer_keeps_the_deadline() -> None:
    recognizer = PatternRecognizer(
        supported_entity="X", patterns=[Pattern("slow", CATASTROPHIC, 0.9), Pattern("y", "y", 0.9)]
    )
    clock = DeadlineClock()
    bind_deadline(recognizer, clock)
    assert all(isinstance(p.compiled_regex, DeadlineRegex) for p in recognizer.patterns)
    assert [r.entity_type for r in recognizer.analyze("y", ["X"])] == ["X"]
    # Presidio catches TimeoutError and skips the pattern; an Overrun gets through.
    with clock.running(Deadline(0.05)), pytest.raises(Overrun):
        recognizer.analyze(SLOW_TEXT, ["X"])
