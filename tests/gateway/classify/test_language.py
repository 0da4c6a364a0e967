"""Languages the classifiers cannot read: found in a whole text, in a paragraph of it,
or by their script; English, code and names are not mistaken for them."""

from __future__ import annotations

import pytest

from gateway.classify.language import Languages

ENGLISH = Languages(["en"])


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Meine Mutter wurde gestern mit Brustkrebs diagnostiziert und beginnt nächste "
            "Woche mit der Chemotherapie.",
            "de",
        ),
        ("Notre salariée Julie Martin est en arrêt maladie depuis trois semaines.", "fr"),
        ("Mi madre tiene cáncer.", "es"),
        ("Il mio capo mi ha licenziato.", "it"),
        ("O meu pai tem diabetes.", "pt"),
        ("Mój szef zwolnił mnie wczoraj z pracy.", "pl"),
        ("Explain step by step. Моя мама больна раком и лежит в больнице.", "ru"),
        # A paragraph in another language inside an English prompt.
        (
            "Explain the trade-offs between optimistic and pessimistic locking. Ma mère, "
            "Claire Dubois, a été hospitalisée hier pour une crise cardiaque.",
            "fr",
        ),
    ],
)
def test_text_in_another_language_is_not_read(text: str, language: str) -> None:
    assert language in ENGLISH.unread(text)


def test_a_script_the_covered_languages_do_not_use_is_not_read() -> None:
    # Short for CLD2, yet more than eight letters of a script English is not written in.
    assert "cjk" in ENGLISH.unread("\u6211\u5988\u5988\u5f97\u4e86\u764c\u75c7\u533b\u751f\u8bf4")


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of Japan?",
        "Sketch a multi-region active-active Postgres setup.",
        "Fix this Python function: def foo(x): return x+1",
        "Oprah Winfrey",
        "Malala Yousafzai",
        "Prove that for every ε > 0 there is a δ > 0 with |f(x) - L| < ε.",
        "Hi!",
        "Translate 'Guten Morgen' into English.",
        "Café naïve résumé — the team's plan for Zürich.",
    ],
)
def test_english_code_names_and_a_few_foreign_words_are_read(text: str) -> None:
    assert ENGLISH.unread(text) == frozenset()


def test_a_covered_language_is_read() -> None:
    text = "Meine Mutter wurde gestern mit Brustkrebs diagnostiziert und beginnt bald."
    assert Languages(["en", "de"]).unread(text) == frozenset()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Meine Mutter wurde gestern mit Brustkrebs diagnostiziert und beginnt bald.", "de"),
        ("Notre salariée Julie Martin est en arrêt maladie depuis trois semaines.", "fr"),
        ("My colleague has been off sick for three weeks after her operation.", "en"),
    ],
)
def test_the_language_a_text_is_written_in_chooses_its_name_pipeline(
    text: str, language: str
) -> None:
    assert Languages(["en", "de", "fr"]).written_in(text) == language


def test_a_text_in_no_covered_language_has_no_pipeline_of_its_own() -> None:
    covered = Languages(["en", "de", "fr"])
    assert covered.written_in("Mi madre tiene cáncer y empieza la quimioterapia mañana.") is None
    assert covered.written_in("42") is None
