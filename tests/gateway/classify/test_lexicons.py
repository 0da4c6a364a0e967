"""German and French lexicons: what they find, what they leave alone, and that they
stay quiet on English prompts and linear on hostile ones.

Decisions the cases below pin down, as in the policy's English patterns:
- an article or demonstrative makes a role someone in particular ("der Patient", "la
  patiente", like "the patient"), never a relative ("die Mutter aller Schlachten");
- an indefinite article does not ("Wie behandelt man einen Patienten mit Diabetes?",
  "un patient diabétique"): a patient in general is anyone;
- a context alone is found (it is public alone; the policy's combinations decide).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from gateway.classify import data
from gateway.classify.data import read_list
from gateway.classify.language import Languages
from gateway.classify.lexicons import (
    CONTEXT_LISTS,
    LANGUAGES,
    PERSON_REFERENCE,
    REFERENCE_LISTS,
    Index,
    LexiconRecognizer,
    fold,
    languages_index,
    lexicon_recognizers,
)

ENTITIES = [*CONTEXT_LISTS, PERSON_REFERENCE]
EVAL = Path(data.__file__).parent / "eval"
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


@pytest.fixture(scope="module")
def recognizer() -> LexiconRecognizer:
    [built] = [r for r in lexicon_recognizers(LANGUAGES) if isinstance(r, LexiconRecognizer)]
    return built


def _found(recognizer: LexiconRecognizer, text: str, entity: str) -> list[str]:
    return [
        text[r.start : r.end] for r in recognizer.analyze(text, ENTITIES) if r.entity_type == entity
    ]


FOUND = [
    # German health: compounds as head or tail, inflections, dropped umlauts.
    ("HEALTH_CONTEXT", "Meine Mutter hat Brustkrebs.", "Brustkrebs"),
    ("HEALTH_CONTEXT", "Die Krebsdiagnose kam im Mai.", "Krebsdiagnose"),
    ("HEALTH_CONTEXT", "Er hat eine Lungenentzündung.", "Lungenentzündung"),
    ("HEALTH_CONTEXT", "Er hat eine Lungenentzuendung.", "Lungenentzuendung"),
    ("HEALTH_CONTEXT", "Er hat eine Lungenentzundung.", "Lungenentzundung"),
    ("HEALTH_CONTEXT", "Sie ist seit März krankgeschrieben.", "krankgeschrieben"),
    ("HEALTH_CONTEXT", "Die Krankschreibung liegt vor.", "Krankschreibung"),
    ("HEALTH_CONTEXT", "Er ist schwer erkrankt.", "erkrankt"),
    ("HEALTH_CONTEXT", "Sie ist herzkrank.", "herzkrank"),
    ("HEALTH_CONTEXT", "Mein Vater hat Krebs.", "hat Krebs"),
    ("HEALTH_CONTEXT", "Die Chemotherapie beginnt morgen.", "Chemotherapie"),
    ("HEALTH_CONTEXT", "Er leidet an Depressionen.", "Depressionen"),
    ("HEALTH_CONTEXT", "Die Diagnose war eindeutig.", "Die Diagnose"),
    ("HEALTH_CONTEXT", "Sie ist schwanger.", "schwanger"),
    ("HEALTH_CONTEXT", "ER LIEGT IM KRANKENHAUS", "KRANKENHAUS"),
    # German HR.
    ("HR_CONTEXT", "Die Gehaltserhöhung fiel aus.", "Gehaltserhöhung"),
    ("HR_CONTEXT", "Die Gehaltserhoehung fiel aus.", "Gehaltserhoehung"),
    ("HR_CONTEXT", "Er bekam eine Abmahnung.", "Abmahnung"),
    ("HR_CONTEXT", "Die Kündigung kam per Post.", "Kündigung"),
    ("HR_CONTEXT", "Die Kuendigung kam per Post.", "Kuendigung"),
    ("HR_CONTEXT", "Ihm wurde gekündigt.", "gekündigt"),
    ("HR_CONTEXT", "Sie ist noch in der Probezeit.", "Probezeit"),
    ("HR_CONTEXT", "Die Leistungsbeurteilung war schlecht.", "Leistungsbeurteilung"),
    ("HR_CONTEXT", "Die Beförderung wurde abgelehnt.", "Beförderung"),
    ("HR_CONTEXT", "Er erhielt eine Änderungskündigung.", "Änderungskündigung"),
    # German money.
    ("FINANCIAL_CONTEXT", "Er hat Schulden.", "Schulden"),
    ("FINANCIAL_CONTEXT", "Die Kreditkartenschulden wachsen.", "Kreditkartenschulden"),
    ("FINANCIAL_CONTEXT", "Die Hypothek ist hoch.", "Hypothek"),
    ("FINANCIAL_CONTEXT", "Sie hat Privatinsolvenz angemeldet.", "Privatinsolvenz"),
    ("FINANCIAL_CONTEXT", "Der Kontostand ist negativ.", "Kontostand"),
    ("FINANCIAL_CONTEXT", "Die Steuererklärung ist überfällig.", "Steuererklärung"),
    ("FINANCIAL_CONTEXT", "Es gibt einen Mietrückstand.", "Mietrückstand"),
    ("FINANCIAL_CONTEXT", "Der Dispokredit ist ausgeschöpft.", "Dispokredit"),
    # German references: case endings, adjectives, an age, umlauts written out.
    (PERSON_REFERENCE, "Meine Mutter ist krank.", "Meine Mutter"),
    (PERSON_REFERENCE, "Mein Vater ist krank.", "Mein Vater"),
    (PERSON_REFERENCE, "Unser Mitarbeiter fehlt.", "Unser Mitarbeiter"),
    (PERSON_REFERENCE, "Unsere Mitarbeiterin fehlt.", "Unsere Mitarbeiterin"),
    (PERSON_REFERENCE, "Ich habe meinem Kollegen geschrieben.", "meinem Kollegen"),
    (PERSON_REFERENCE, "Der Patient klagt über Schmerzen.", "Der Patient"),
    (PERSON_REFERENCE, "Die Patientin klagt über Schmerzen.", "Die Patientin"),
    (PERSON_REFERENCE, "Meine kranke Mutter schläft.", "Meine kranke Mutter"),
    (PERSON_REFERENCE, "Mein 82-jähriger Vater stürzte.", "Mein 82-jähriger Vater"),
    (PERSON_REFERENCE, "Das Auto seines Vaters.", "seines Vaters"),
    (PERSON_REFERENCE, "Sie sprach mit ihrem Sohn.", "ihrem Sohn"),
    (PERSON_REFERENCE, "Mit unserer neuen Kollegin.", "unserer neuen Kollegin"),
    (PERSON_REFERENCE, "Dieser Kunde zahlt nicht.", "Dieser Kunde"),
    (PERSON_REFERENCE, "Meine Großmutter ist 90.", "Meine Großmutter"),
    (PERSON_REFERENCE, "Meine Grossmutter ist 90.", "Meine Grossmutter"),
    (PERSON_REFERENCE, "Meine Ex-Frau zieht um.", "Meine Ex-Frau"),
    # French health: feminine and plural forms, phrases, dropped accents.
    ("HEALTH_CONTEXT", "Il est malade.", "malade"),
    ("HEALTH_CONTEXT", "Une maladie rare.", "maladie"),
    ("HEALTH_CONTEXT", "Elle a été diagnostiquée en mars.", "diagnostiquée"),
    ("HEALTH_CONTEXT", "Elle a ete diagnostiquee en mars.", "diagnostiquee"),
    ("HEALTH_CONTEXT", "Elle a un cancer du sein.", "un cancer"),
    ("HEALTH_CONTEXT", "La chimiothérapie commence.", "chimiothérapie"),
    ("HEALTH_CONTEXT", "Il est hospitalisé depuis lundi.", "hospitalisé"),
    ("HEALTH_CONTEXT", "Elle est hospitalisee depuis lundi.", "hospitalisee"),
    ("HEALTH_CONTEXT", "Elle est en arrêt maladie.", "arrêt maladie"),
    ("HEALTH_CONTEXT", "Elle est en arret-maladie.", "arret-maladie"),
    ("HEALTH_CONTEXT", "Elle est enceinte.", "enceinte"),
    ("HEALTH_CONTEXT", "Il est à l'hôpital.", "hôpital"),
    ("HEALTH_CONTEXT", "Il est a l'hopital.", "hopital"),
    ("HEALTH_CONTEXT", "Il fait une dépression.", "une dépression"),
    # French HR.
    ("HR_CONTEXT", "Son salaire est bas.", "salaire"),
    ("HR_CONTEXT", "Le licenciement est prévu.", "licenciement"),
    ("HR_CONTEXT", "Elle a été licenciée.", "licenciée"),
    ("HR_CONTEXT", "Elle a ete licenciee.", "licenciee"),
    ("HR_CONTEXT", "Il a reçu un avertissement.", "avertissement"),
    ("HR_CONTEXT", "Pendant sa période d'essai.", "période d'essai"),
    ("HR_CONTEXT", "Pendant sa période d\u2019essai.", "période d\u2019essai"),
    ("HR_CONTEXT", "Pendant sa periode d essai.", "periode d essai"),
    ("HR_CONTEXT", "L'entretien annuel est lundi.", "entretien annuel"),
    ("HR_CONTEXT", "Il espère une promotion.", "une promotion"),
    ("HR_CONTEXT", "Une rupture conventionnelle.", "rupture conventionnelle"),
    # French money.
    ("FINANCIAL_CONTEXT", "Il a des dettes.", "dettes"),
    ("FINANCIAL_CONTEXT", "Le crédit immobilier court encore.", "crédit immobilier"),
    ("FINANCIAL_CONTEXT", "Ils ont un prêt immobilier.", "un prêt"),
    ("FINANCIAL_CONTEXT", "Son compte est à découvert.", "à découvert"),
    ("FINANCIAL_CONTEXT", "L'entreprise est en faillite.", "en faillite"),
    ("FINANCIAL_CONTEXT", "Un dossier de surendettement.", "surendettement"),
    ("FINANCIAL_CONTEXT", "Je déclare mes revenus.", "mes revenus"),
    ("FINANCIAL_CONTEXT", "Sa déclaration d'impôts.", "déclaration d'impôts"),
    # French references.
    (PERSON_REFERENCE, "Ma mère est malade.", "Ma mère"),
    (PERSON_REFERENCE, "Mon père est malade.", "Mon père"),
    (PERSON_REFERENCE, "Notre salariée est absente.", "Notre salariée"),
    (PERSON_REFERENCE, "Notre salariee est absente.", "Notre salariee"),
    (PERSON_REFERENCE, "Mon collègue est absent.", "Mon collègue"),
    (PERSON_REFERENCE, "La patiente se plaint.", "La patiente"),
    (PERSON_REFERENCE, "Le patient se plaint.", "Le patient"),
    (PERSON_REFERENCE, "Notre client refuse.", "Notre client"),
    (PERSON_REFERENCE, "Ma vieille mère dort.", "Ma vieille mère"),
    (PERSON_REFERENCE, "L'employée est partie.", "L'employée"),
    (PERSON_REFERENCE, "Cette salariée est partie.", "Cette salariée"),
    (PERSON_REFERENCE, "Ma grand-mère dort.", "Ma grand-mère"),
    (PERSON_REFERENCE, "Ma belle-sœur dort.", "Ma belle-sœur"),
    (PERSON_REFERENCE, "Ma belle-soeur dort.", "Ma belle-soeur"),
    (PERSON_REFERENCE, "Mon ex-mari a des dettes.", "Mon ex-mari"),
    (PERSON_REFERENCE, "MA MÈRE EST MALADE", "MA MÈRE"),
]


@pytest.mark.parametrize(("entity", "text", "span"), FOUND)
def test_terms_are_found(recognizer: LexiconRecognizer, entity: str, text: str, span: str) -> None:
    assert span in _found(recognizer, text, entity)


NOT_FOUND = [
    # A patient in general, a relative after an article, an indefinite article.
    (PERSON_REFERENCE, "Wie behandelt man einen Patienten mit Diabetes?"),
    (PERSON_REFERENCE, "Das war die Mutter aller Schlachten."),
    (PERSON_REFERENCE, "Ein Kollege hat gefragt."),
    (PERSON_REFERENCE, "Comment soigner un patient diabétique ?"),
    (PERSON_REFERENCE, "C'était la mère de toutes les batailles."),
    # English abbreviations are not French determiners; English is the policy's own.
    (PERSON_REFERENCE, "Book the LA client meeting for Tuesday."),
    (PERSON_REFERENCE, "My mother and the patient in bed 4."),
    # German words that hold a stem of another meaning.
    ("HR_CONTEXT", "Das lohnt sich nicht."),
    ("HR_CONTEXT", "Der Fettgehalt ist niedrig."),
    ("HR_CONTEXT", "Er wohnt in Iserlohn."),
    ("FINANCIAL_CONTEXT", "Die Steuerung des Roboters."),
    ("FINANCIAL_CONTEXT", "Lege ein Benutzerkonto an."),
    # "Krebs" and "Diagnose" alone: a surname, the Krebs cycle, an English verb.
    ("HEALTH_CONTEXT", "Hans Krebs beschrieb den Zitratzyklus."),
    ("HEALTH_CONTEXT", "Explain the Krebs cycle."),
    ("HEALTH_CONTEXT", "Diagnose the failing build and suggest a fix."),
    # French words with another everyday meaning.
    ("FINANCIAL_CONTEXT", "J'ai découvert un bug."),
    ("FINANCIAL_CONTEXT", "Il est revenu hier."),
    ("FINANCIAL_CONTEXT", "La classe hérite de BaseModel."),
    ("FINANCIAL_CONTEXT", "Je suis prêt."),
    ("HR_CONTEXT", "Par rapport à la version précédente."),
    # English words the French lists hold only inside phrases.
    ("HEALTH_CONTEXT", "Cancer research funding rose; the depression of 1929."),
    ("HR_CONTEXT", "The promotion ends Friday; a bonus level unlocks."),
    ("FINANCIAL_CONTEXT", "Store credit and the data augmentation step."),
]


@pytest.mark.parametrize(("entity", "text"), NOT_FOUND)
def test_other_meanings_are_left_alone(
    recognizer: LexiconRecognizer, entity: str, text: str
) -> None:
    assert _found(recognizer, text, entity) == []


def _sample(term: str) -> str:
    """Text that a listed term matches: each "*" as more letters."""
    return term.replace("*", "zz")


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("entity", "name"), CONTEXT_LISTS.items())
def test_every_context_term_is_found_as_written_and_without_accents(
    recognizer: LexiconRecognizer, language: str, entity: str, name: str
) -> None:
    missed = []
    for term in read_list(f"lexicons/{language}_{name}.txt"):
        for spelling in {term, term.translate(UMLAUTS), _unaccented(term)}:
            text = f"Notiz: {_sample(spelling)} (Ende)."
            if _sample(spelling) not in _found(recognizer, text, entity):
                missed.append(spelling)
    assert missed == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reference_term_is_found(recognizer: LexiconRecognizer, language: str) -> None:
    lists = {name: read_list(f"lexicons/{language}_{name}.txt") for name in REFERENCE_LISTS}
    possessive, article = lists["possessives"][0], lists["articles"][0]
    relative, role = lists["relatives"][0], lists["roles"][0]
    phrases = [f"{p} {relative}" for p in lists["possessives"]]
    phrases += [f"{a} {role}" for a in lists["articles"]]
    phrases += [f"{possessive} {r}" for r in lists["relatives"]]
    phrases += [f"{possessive} {r}" for r in lists["roles"]]
    phrases += [f"{article} {r}" for r in lists["roles"]]
    phrases += [f"{possessive} {_sample(a)} {relative}" for a in lists["adjectives"]]
    missed = [
        phrase
        for phrase in phrases
        if _sample(phrase) not in _found(recognizer, f"x: {phrase}.", PERSON_REFERENCE)
    ]
    assert missed == []
    # A relative after an article is anyone's.
    assert [
        r for r in lists["relatives"] if _found(recognizer, f"x: {article} {r}.", PERSON_REFERENCE)
    ] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_hold_no_repeats_and_no_term_in_two_contexts(language: str) -> None:
    owner: dict[str, str] = {}
    shared = []
    for name in [*CONTEXT_LISTS.values(), *REFERENCE_LISTS]:
        terms = read_list(f"lexicons/{language}_{name}.txt")
        assert len({t.casefold() for t in terms}) == len(terms), name
        if name in CONTEXT_LISTS.values():
            for term in terms:
                key = " ".join(fold(term).split())
                if owner.setdefault(key, name) != name:
                    shared.append(term)
    assert shared == []


def test_list_sizes() -> None:
    """Enough terms to be worth shipping: the brief's ~150 health terms a language."""
    for language in LANGUAGES:
        sizes = {
            name: len(read_list(f"lexicons/{language}_{name}.txt"))
            for name in CONTEXT_LISTS.values()
        }
        assert sizes["health"] >= 150, (language, sizes)
        assert sizes["hr"] >= 60, (language, sizes)
        assert sizes["financial"] >= 60, (language, sizes)


@pytest.mark.parametrize(
    "term", ["n+1", "*", "kr*", "*arrêt maladie", "arrêt maladie*", "foo*bar", "a. b"]
)
def test_malformed_terms_are_refused(term: str) -> None:
    with pytest.raises(ValueError, match="malformed lexicon term"):
        Index([[term]])


def test_all_lists_build() -> None:
    languages_index(LANGUAGES)
    for language in LANGUAGES:
        languages_index([language])


def test_only_languages_with_lists_get_a_recognizer() -> None:
    assert lexicon_recognizers(["en"]) == []
    assert lexicon_recognizers([]) == []
    one, people = lexicon_recognizers(["en", "de", "fr", "de"])
    assert one.name == "LexiconRecognizer:de+fr"
    assert people.name == "PeopleRecognizer:de+fr"
    # Presidio is asked for English whatever the text.
    assert one.supported_language == people.supported_language == "en"
    assert set(one.supported_entities) == set(ENTITIES)
    assert set(people.supported_entities) == {"PERSON", PERSON_REFERENCE, "STREET_ADDRESS"}
    german, _ = lexicon_recognizers(["de"])
    assert isinstance(german, LexiconRecognizer)
    assert _found(german, "Ma mère est malade.", PERSON_REFERENCE) == []
    assert _found(german, "Meine Mutter ist krank.", PERSON_REFERENCE) == ["Meine Mutter"]


def test_only_the_entities_asked_for_are_reported(recognizer: LexiconRecognizer) -> None:
    text = "Meine Mutter hat Brustkrebs, Schulden und eine Abmahnung."
    results = recognizer.analyze(text, ["HR_CONTEXT"])
    assert [(r.entity_type, text[r.start : r.end]) for r in results] == [
        ("HR_CONTEXT", "Abmahnung")
    ]
    assert {r.score for r in recognizer.analyze(text, ENTITIES)} == {0.6, 0.7}


def _english(text: str) -> bool:
    return not Languages(["en"]).unread(text)


def test_no_finding_on_the_english_evaluation_set(recognizer: LexiconRecognizer) -> None:
    """The lists read English prompts too: nothing on a public one, and at most a
    handful of findings on the sensitive ones (which are sensitive anyway)."""
    rows = [
        json.loads(line)
        for name in ("sensitivity.jsonl", "complexity.jsonl")
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    public, sensitive = [], []
    for row in rows:
        if not _english(row["text"]):
            continue
        findings = [
            (r.entity_type, row["text"][r.start : r.end])
            for r in recognizer.analyze(row["text"], ENTITIES)
        ]
        (sensitive if row.get("sensitive") else public).extend(findings)
    assert len(rows) > 1000
    assert public == []
    assert len(sensitive) <= 3, sensitive


LONG = 100_000


def _repeated(unit: str) -> str:
    return (unit * (LONG // len(unit) + 1))[:LONG]


ADVERSARIAL = [
    *(
        _repeated(unit)
        for unit in [
            "meine ",
            "meine-",
            "a",
            "é",
            "e\u0301",
            "krank",
            "l'",
            "82-",
            "ma petite petite petite ",
            "meine 82-jährige kranke alte ",
            "arrêt ",
            "Krebs-",
            "ÄÖÜß",
        ]
    ),
    "meine" + " " * LONG + "Mutter",
    " ".join(f"w{n}x" for n in range(LONG // 7)),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda text: repr(text[:12]))
def test_long_hostile_texts_are_read(recognizer: LexiconRecognizer, text: str) -> None:
    """A 100,000-character text of repeats, one endless word or accents: one pass over
    its words (no timing asserted: a backtracking search would not finish)."""
    assert len(text) >= LONG - 1
    recognizer.analyze(text, ENTITIES)


def test_many_references_in_a_long_text(recognizer: LexiconRecognizer) -> None:
    text = "meine kranke Mutter und " * 4_000
    found = _found(recognizer, text, PERSON_REFERENCE)
    assert len(found) == 4_000
    assert set(found) == {"meine kranke Mutter"}
