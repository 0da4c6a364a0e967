"""The given names ship as package data and are read when the recognizer is built."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gateway.classify import data
from gateway.classify.names import GivenNameRecognizer, given_name_recognizer, given_names

ROOT = Path(__file__).resolve().parents[3]


def test_the_names_file_holds_names_only() -> None:
    names = given_names()
    assert len(names) == len(set(names)) > 250
    assert all(name.strip() == name and not name.startswith("#") for name in names)
    assert {"Tomasz", "Sofia", "Zoe"} <= set(names)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Tomasz Osei called", "Tomasz Osei"),
        ("ask Sofia Adeyemi's team", "Sofia Adeyemi"),
        ("Liam O'Brien-Sørensen", "Liam O'Brien-Sørensen"),
        # Presidio's patterns ignore case by default; so has this one always.
        ("tomasz osei called", "tomasz osei"),
        ("Zoe", None),  # a given name alone is not a person
    ],
)
def test_the_recognizer_matches_a_given_name_and_a_surname(text: str, found: str | None) -> None:
    results = given_name_recognizer().analyze(text, ["PERSON"])
    assert [text[r.start : r.end] for r in results] == ([found] if found else [])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # Names from the broader list, alone, as people name a colleague or a friend.
        ("Write a card for Aoife, she is back on Monday.", ["Aoife"]),
        ("Kwame's results came back.", ["Kwame"]),
        ("Tell Łukasz and Siobhan.", ["Łukasz", "Siobhan"]),
        # Case-sensitive: a name written as a word is not a name.
        ("the bank will chase the debt", []),
        # A name that is also a word, a place or a brand counts only before a surname.
        ("Will the Chase account in Georgia close?", []),
        ("Chase Whitfield was late again.", ["Chase Whitfield"]),
        # With its surname, the whole name: a redaction must not leave the surname.
        ("Write to Aoife O'Brien-Sørensen today.", ["Aoife O'Brien-Sørensen"]),
        ("Kwame Mensah's results", ["Kwame Mensah"]),
        # Part of a longer word or a hyphenated one is not a name.
        ("Colinear points, Anna-style.", []),
    ],
)
def test_a_capitalised_given_name_is_a_person(text: str, found: list[str]) -> None:
    recognizer = GivenNameRecognizer()
    results = recognizer.analyze(text, ["PERSON"])
    assert [text[r.start : r.end] for r in results] == found
    assert all(r.entity_type == "PERSON" for r in results)


def test_the_broader_lists_hold_names_and_their_exceptions_are_names() -> None:
    recognizer = GivenNameRecognizer()
    more = recognizer._names - set(given_names())
    assert len(more) > 2000
    # Every exception is a name on the lists; otherwise it would guard nothing.
    assert recognizer._words <= recognizer._names
    assert {"Will", "Chase", "Georgia", "May"} <= recognizer._words


def test_every_shipped_data_file_is_package_data() -> None:
    """An installed wheel has only what pyproject's package-data names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    directory = Path(data.__file__).parent
    # setuptools globs each pattern from the package's directory.
    shipped = {path for p in package_data["gateway.classify.data"] for path in directory.glob(p)}
    files = {
        path
        for path in directory.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"}
    }
    assert files - shipped == set()
