from __future__ import annotations

import pytest

from edge.stops import StopScanner


@pytest.mark.parametrize(
    ("stops", "pieces", "emitted", "stopped"),
    [
        ((), ["Hello", " world"], "Hello world", False),
        (("\n",), ["Hello", "\nmore"], "Hello", True),
        (("END",), ["abc E", "N", "D tail"], "abc ", True),
        (("END",), ["abc E", "N", "x"], "abc ENx", False),
        (("<|im_end|>",), ["Paris", "<|im", "_end|>"], "Paris", True),
        (("ab", "b"), ["xab"], "x", True),
        (("",), ["empty stops are ignored"], "empty stops are ignored", False),
    ],
)
def test_scanner_emits_text_up_to_first_stop(
    stops: tuple[str, ...], pieces: list[str], emitted: str, stopped: bool
) -> None:
    scanner = StopScanner(stops)
    out, hit = "", False
    for piece in pieces:
        text, hit = scanner.feed(piece)
        out += text
        if hit:
            break
    if not hit:
        out += scanner.flush()
    assert (out, hit) == (emitted, stopped)


def test_scanner_holds_back_a_possible_stop_prefix() -> None:
    scanner = StopScanner(("STOP",))
    assert scanner.feed("go ST") == ("go ", False)
    assert scanner.feed("OP") == ("", True)
