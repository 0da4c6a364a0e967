"""A sequence's text and end: stops split across tokens, limits, end of generation."""

from __future__ import annotations

from edge.engine import Delta, Finished, PreparedPrompt, SamplingOptions
from edge.generation import Generation


def _generation(max_tokens: int = 10, stop: tuple[str, ...] = ()) -> Generation:
    options = SamplingOptions(max_tokens=max_tokens, stop=stop)
    return Generation(PreparedPrompt((1, 2, 3), max_tokens, stop, options), cached_tokens=2)


def _feed(generation: Generation, pieces: list[bytes]) -> list[Delta | Finished]:
    events: list[Delta | Finished] = []
    for piece in pieces:
        events += generation.accept(piece, end_of_generation=False)
        if events and isinstance(events[-1], Finished):
            break
    return events


def _text(events: list[Delta | Finished]) -> str:
    return "".join(e.text for e in events if isinstance(e, Delta))


def test_a_stop_split_across_tokens_stops_and_is_not_emitted() -> None:
    generation = _generation(stop=("END",))
    events = _feed(generation, [b"Hello ", b"E", b"N", b"D", b" never"])
    assert _text(events) == "Hello "
    assert events[-1] == Finished("stop", 3, 4, cached_tokens=2)


def test_a_false_start_of_a_stop_is_released() -> None:
    generation = _generation(max_tokens=3, stop=("END",))
    events = _feed(generation, [b"E", b"N", b"X"])
    assert _text(events) == "ENX"
    assert events[-1] == Finished("length", 3, 3, cached_tokens=2)


def test_max_tokens_ends_with_length_and_flushes_held_text() -> None:
    generation = _generation(max_tokens=2, stop=("ab",))
    events = _feed(generation, [b"x", b"a"])
    assert _text(events) == "xa"
    assert events[-1].finish_reason == "length"  # type: ignore[union-attr]


def test_end_of_generation_stops_without_counting_the_token() -> None:
    generation = _generation()
    events = _feed(generation, [b"hi"]) + generation.accept(b"", end_of_generation=True)
    assert _text(events) == "hi"
    assert events[-1] == Finished("stop", 3, 1, cached_tokens=2)


def test_a_character_split_across_tokens_is_emitted_whole() -> None:
    snowman = "☃".encode()
    generation = _generation()
    events = _feed(generation, [snowman[:1], snowman[1:2], snowman[2:], b"!"])
    assert [e.text for e in events if isinstance(e, Delta)] == ["☃", "!"]


def test_cancel_reports_what_was_produced() -> None:
    generation = _generation()
    _feed(generation, [b"a", b"b"])
    assert generation.cancel() == Finished("cancelled", 3, 2, cached_tokens=2)


def test_only_the_uncached_part_of_the_prompt_is_pending() -> None:
    assert _generation().pending == [3]
