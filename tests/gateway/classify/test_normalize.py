from __future__ import annotations

import pytest

from gateway.classify.normalize import normalize, readings

MOSCOW = "\u041c\u043e\u0441\u043a\u0432\u0430 \u0438 \u0421\u0430\u043d\u043a\u0442"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain ascii, untouched\nline two\ttab", "plain ascii, untouched\nline two\ttab"),
        ("ma\u200bria@\u200dgmail.com", "maria@gmail.com"),
        ("so\u00adft hy\u00adphen", "soft hyphen"),
        ("\u202ebidi\u2066 controls\u202c", "bidi controls"),
        ("\ufeffword\u2060joiner", "wordjoiner"),
        (fullwidth("SSN 536-22-8741"), "SSN 536-22-8741"),
        ("card \u0664\u0661\u0661\u0661", "card 4111"),
        ("\U0001d7d3\U0001d7d1", "53"),
        ("m\u0301a\u0308ria", "maria"),
        ("j\u043ehn@ex\u0430mple.com", "john@example.com"),  # Cyrillic o and a inside
        (MOSCOW, MOSCOW),  # a word wholly in Cyrillic is left alone
        ("\ufb01le", "file"),
        ("nul\x00l and esc\x1b", "null and esc"),
        ("SSN S36-22-874l on file", "SSN 536-22-8741 on file"),  # letters for digits
        ("card 4111 l111 11l1 1111", "card 4111 1111 1111 1111"),
        ("card 411l 11l1 1l11 l11l", "card 4111 1111 1111 1111"),
        ("Bob is 12 and so is Sal", "Bob is 12 and so is Sal"),
        ("c a r d   4 1 1 1   1 1 1 1", "card 4111 1111"),
        ("5G, B2B and 10x are words", "5G, B2B and 10x are words"),
        ("j o h n @ g m a i l . c o m wrote", "john@gmail.com wrote"),  # letter-spaced
        ("5 3 6 - 2 2 - 8 7 4 1", "536-22-8741"),
        ("a b c d are four letters", "a b c d are four letters"),
        # A run's first and last characters can carry quotes and brackets (JSON).
        ('{"q": "key A K I A 4 H X 7 Q"}', '{"q": "key AKIA4HX7Q"}'),
        ('["A B C D E"]', '["ABCDE"]'),
        ("(a) b c d, said I", "(a) b c d, said I"),
    ],
)
def test_disguises_come_off(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_ascii_text_costs_nothing() -> None:
    normalized = normalize("hello world")
    assert not normalized.changed
    assert normalized.starts == ()
    assert normalized.original_span(0, 5) == (0, 5)


@pytest.mark.parametrize(
    "text",
    [
        "mail ma\u200bria@gm\u200bail.com now",
        f"mail {fullwidth('maria@gmail.com')} now",
        "mail m\u0430ri\u0430@gm\u0430il.com now",
        "mail m\u0301aria@gmail.com now",
        "mail \ufb01le@gmail.com now",
        "mail j o h n @ g m a i l . c o m now",
        "mail maria@gm\u0430il.c0m now",
    ],
)
def test_spans_map_back_to_the_original_characters(text: str) -> None:
    normalized = normalize(text)
    start = normalized.text.index("mail ") + 5
    end = normalized.text.index(" now")
    begin, finish = normalized.original_span(start, end)
    assert text[:begin] == "mail "
    assert text[finish:] == " now"


def test_an_identifier_with_a_letter_prefix_is_also_read_as_written() -> None:
    first, second = readings("Florida licence Z053-230-19-067-6 on file")
    assert first.text == "Florida licence 2053-230-19-067-6 on file"
    assert second.text == "Florida licence Z053-230-19-067-6 on file"
    assert readings("nothing to fold here") == [normalize("nothing to fold here")]
