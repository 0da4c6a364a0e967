"""German and French people named the way the second batch of dev prompts names them,
and the term families added with it: what is found, what is left alone.

Decisions the cases below pin down:
- an adjective that stands for a person ("die Neue", "ma petite") counts after a
  possessive or an article only where a preposition, a verb or the clause's end
  follows, never before a noun ("die neue Version", "ma petite entreprise");
- a name cut to its initial counts after an honorific ("Frau K.", "Mme D."), but not
  as a degree after a name ("John Smith, M. D."); after a role or a relative one or
  two initials count ("Kollegin S.", "Patient M. S."), except the letters of a
  textbook case ("Patient A.", "Mitarbeiter X.");
- words with an everyday or a programming meaning stay out of the contexts: a class
  inherits ("erbt", "hérite"), a discount is "Nachlass", an image is cropped
  ("recadrage"), a cut is a "Ritze".
"""

from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer

from gateway.classify.lexicons import (
    LANGUAGES,
    PERSON,
    PERSON_REFERENCE,
    lexicon_recognizers,
)

HEALTH, HR, MONEY = "HEALTH_CONTEXT", "HR_CONTEXT", "FINANCIAL_CONTEXT"


@pytest.fixture(scope="module")
def recognizers() -> list[EntityRecognizer]:
    return lexicon_recognizers(LANGUAGES)


def _found(recognizers: list[EntityRecognizer], text: str, entity: str) -> list[str]:
    return [
        text[r.start : r.end]
        for recognizer in recognizers
        for r in recognizer.analyze(text, [entity])
        if r.entity_type == entity
    ]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Zwei Leute mobben den Neuen in der Spätschicht.", "den Neuen"),
        ("Die neue in der Logistik hat gekündigt.", "Die neue"),
        ("meine kleine is seit gestern krank", "meine kleine"),
        ("Unser Großer hat Fieber.", "Unser Großer"),
        ("ma petite a de la fièvre", "ma petite"),
        ("ils harcèlent le nouveau depuis des semaines", "le nouveau"),
        ("La nouvelle de l'accueil est enceinte.", "La nouvelle"),
    ],
)
def test_adjectives_that_stand_for_a_person(
    recognizers: list[EntityRecognizer], text: str, span: str
) -> None:
    assert _found(recognizers, text, PERSON_REFERENCE) == [span]


@pytest.mark.parametrize(
    "text",
    [
        "Die neue Version von Python ist da.",
        "Meine kleine Firma braucht einen Kredit.",
        "Ma petite entreprise a des dettes.",
        "La nouvelle loi sur les retraites.",
        "Die Neue Nationalgalerie in Berlin.",
        "Alexandre le Grand a eu de la fièvre.",
    ],
)
def test_adjectives_before_a_noun_are_adjectives(
    recognizers: list[EntityRecognizer], text: str
) -> None:
    assert _found(recognizers, text, PERSON_REFERENCE) == []


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("Frau K. aus Zimmer 12 bekommt Haloperidol.", ["K."]),
        ("Für das Jahresgespräch mit Frau Y. aus dem Marketing", ["Y."]),
        ("Mme D. (chambre 214) est sous lithium.", ["D."]),
        ("Kollegin S. geht nächstes Jahr in Rente.", ["S."]),
        ("Patiente R. T., 67 ans, BPCO stade III", ["R. T."]),
    ],
)
def test_people_named_by_initials(
    recognizers: list[EntityRecognizer], text: str, initials: list[str]
) -> None:
    assert _found(recognizers, text, PERSON) == initials


@pytest.mark.parametrize(
    "text",
    [
        "Patient A. hat Diabetes Typ 2: welche Therapie?",
        "Mitarbeiter X. fehlt oft: was sagt das Arbeitsrecht?",
        "John Smith, M. D., oncologist",
        "Das gilt z. B. für Frau und Mann.",
    ],
)
def test_textbook_initials_and_degrees_are_no_one(
    recognizers: list[EntityRecognizer], text: str
) -> None:
    assert _found(recognizers, text, PERSON) == []


@pytest.mark.parametrize(
    ("entity", "text", "span"),
    [
        (HEALTH, "Er hat sich beim Abladen die Hand gebrochen, Arbeitsunfall.", "Hand gebrochen"),
        (HEALTH, "Sie ritzt sich seit Wochen.", "ritzt sich"),
        (HEALTH, "Mein Bruder ist heroinabhängig.", "heroinabhängig"),
        (HEALTH, "Er hatte letzte Woche ne Bypass-OP.", "Bypass-OP"),
        (HEALTH, "Seit dem Unfall hat er einen GdB von 50.", "GdB"),
        (HEALTH, "il s'est fait opérer d'un triple pontage", "opérer"),
        (HEALTH, "ma petite a 39,8 de fievre", "fievre"),
        (HR, "Zwei Leute mobben den Neuen.", "mobben"),
        (HR, "Sie verliert ihre Schichtzulage.", "Schichtzulage"),
        (HR, "deux gars harcèlent le nouveau", "harcèlent"),
        (HR, "il veut me donner 2 % d'augmentation", "d'augmentation"),
        (MONEY, "meine Cousine ficht das Testament an", "das Testament"),
        (MONEY, "Er hat Betreibungen über 9'400 Franken.", "Betreibungen"),
        (MONEY, "jetzt fehlen schon 1.900 Euro", "fehlen schon 1.900 Euro"),
        (MONEY, "elle a claqué 25k dans les paris sportifs", "claqué 25k"),
        (MONEY, "Mon oncle m'a légué 90 000 €.", "légué"),
        (MONEY, "il a des poursuites pour 7 800 francs", "des poursuites"),
    ],
)
def test_second_batch_terms(
    recognizers: list[EntityRecognizer], entity: str, text: str, span: str
) -> None:
    assert span in _found(recognizers, text, entity)


@pytest.mark.parametrize(
    ("entity", "text"),
    [
        (MONEY, "Die Klasse erbt von BaseModel und vererbt ihre Methoden."),
        (MONEY, "Der Händler gibt 10 % Nachlass, die Schmerzen nachlassen."),
        (MONEY, "La classe hérite de BaseModel ; l'héritage multiple en Python."),
        (MONEY, "Une succession de problèmes ; la saisie des données."),
        (HR, "Le recadrage de la photo ; mon père est à la retraite."),
        (HEALTH, "Wir putzen die Ritzen; eine Operation auf Mengen."),
        (HEALTH, "Une optimisation sous contrainte sur un laptop HP."),
    ],
)
def test_everyday_meanings_are_left_alone(
    recognizers: list[EntityRecognizer], entity: str, text: str
) -> None:
    assert _found(recognizers, text, entity) == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Mon chum fait des crises d'épilepsie.", "Mon chum"),
        ("Ma blonde pis moi on a des dettes.", "Ma blonde"),
        ("Mon boss veut me donner 2 %.", "Mon boss"),
        ("Die Azubine aus der Buchhaltung", "Die Azubine"),
        ("Unsere Filialleiterin in Linz", "Unsere Filialleiterin"),
        ("Le monsieur du 2e a une dette.", "Le monsieur"),
    ],
)
def test_second_batch_references(recognizers: list[EntityRecognizer], text: str, span: str) -> None:
    assert _found(recognizers, text, PERSON_REFERENCE) == [span]
