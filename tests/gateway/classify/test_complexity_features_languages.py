"""German and French prompts raise the same complexity cues as English ones: the cue
names stay the same, so the trained model reads them without new features."""

from __future__ import annotations

import pytest

from gateway.classify.complexity_features import CUES, features

CASES = [
    ("Beweise, dass es unendlich viele Primzahlen gibt.", {"proof", "math"}),
    ("Zeige, dass die Folge konvergiert, per Induktion.", {"proof", "math"}),
    (
        "Démontrez par récurrence que la somme des n premiers entiers impairs vaut n².",
        {"proof", "math"},
    ),
    ("Montrer que la matrice admet des valeurs propres réelles.", {"proof", "math"}),
    (
        "Implementiere eine threadsichere LRU-Cache-Klasse in Python mit Unit-Tests.",
        {"code_write", "code_language"},
    ),
    (
        "Écris une fonction Python qui implémente un algorithme de tri fusion récursif.",
        {"code_write", "code_language"},
    ),
    (
        "Entwirf eine skalierbare, ausfallsichere Architektur für einen verteilten Zahlungsdienst.",
        {"design"},
    ),
    (
        "Conçois une architecture distribuée à haute disponibilité pour un service de paiement.",
        {"design"},
    ),
    (
        "Schreibe einen ausführlichen Bericht von 2000 Wörtern über die Energiewende.",
        {"long_writing"},
    ),
    (
        "Rédige un rapport détaillé de 1500 mots sur la transition énergétique.",
        {"long_writing"},
    ),
    (
        "Analysiere die rechtlichen Risiken dieser Klausel nach deutschem Recht.",
        {"analysis"},
    ),
    (
        "Analysez les risques juridiques de cette clause et évaluez la jurisprudence.",
        {"analysis"},
    ),
    ("Erkläre Schritt für Schritt, warum der Algorithmus terminiert.", {"reasoning"}),
    ("Explique étape par étape pourquoi cet algorithme termine.", {"reasoning"}),
    (
        "Der Plan muss auch folgende Einschränkungen erfüllen: höchstens drei Server.",
        {"plan_constraints"},
    ),
    (
        "Le plan doit respecter les contraintes suivantes : au plus 3 serveurs.",
        {"plan_constraints"},
    ),
    ("Was ist die Hauptstadt von Frankreich?", {"simple_ask"}),
    ("Quelle est la capitale de l'Italie ?", {"simple_ask"}),
    ("Hallo, wie geht's?", {"chitchat"}),
    ("Bonjour, merci beaucoup !", {"chitchat"}),
    ("Übersetze diesen Satz ins Englische.", {"transform"}),
    ("Traduis ce texte en anglais.", {"transform"}),
    ("Corrige l'orthographe de ce paragraphe.", {"transform"}),
    ("Fasse diesen Artikel in einem Satz zusammen.", {"summarise_short"}),
    ("Résume cet article en une phrase.", {"summarise_short"}),
    (
        "Extrahiere alle E-Mail-Adressen und antworte mit einer pro Zeile.",
        {"extract_classify"},
    ),
    ("Extrais les dates et réponds par oui ou non.", {"extract_classify"}),
    ("Mein Programm stürzt ab, die Fehlermeldung lautet: KeyError.", {"code_debug"}),
    ("Mon code ne fonctionne pas : message d'erreur KeyError.", {"code_debug"}),
    ("Was ist 17 * 23?", {"simple_math"}),
    ("Combien font 17 * 23 ?", {"simple_math"}),
]


@pytest.mark.parametrize(("text", "cues"), CASES)
def test_german_and_french_prompts_raise_the_cues(text: str, cues: set[str]) -> None:
    found = {name.removeprefix("cue:") for name in features(text) if name.startswith("cue:")}
    assert cues <= found


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # "par rapport à" is "compared with", not a report.
        ("Qu'est-ce qui a changé par rapport à hier ?", "long_writing"),
        # English words that only look like the added French ones.
        ("Implement a trie with insert and lookup.", "transform"),
        ("Return the result in JSON.", "transform"),
        ("Compare these two lists.", "analysis"),
        ("Update my résumé headline.", "summarise_short"),
    ],
)
def test_look_alikes_do_not_raise_the_cue(text: str, absent: str) -> None:
    assert f"cue:{absent}" not in features(text)


def test_words_count_whole_with_accents_and_without_superscripts() -> None:
    # "démontrer" and "montrer" are two words, not "montrer" twice.
    assert features("démontrer montrer")["shape:unique_word_ratio"] == 1.0
    assert features("für fur")["shape:unique_word_ratio"] == 1.0
    # A superscript is no letter: "n² n²" holds no word, as before.
    assert features("n² n²")["shape:unique_word_ratio"] == 0.0


def test_the_cue_names_are_unchanged() -> None:
    # The trained model reads these names; new languages add no feature.
    assert set(CUES) == {
        "proof",
        "math",
        "reasoning",
        "code_write",
        "code_language",
        "code_debug",
        "design",
        "long_writing",
        "analysis",
        "plan_constraints",
        "simple_ask",
        "chitchat",
        "transform",
        "extract_classify",
        "summarise_short",
        "simple_math",
    }


@pytest.mark.parametrize(
    "unit", ["beweise ", "é", "par rapport ", "Schritt für ", "a-", "démontrer que "]
)
def test_long_hostile_texts_are_read(unit: str) -> None:
    """100,000 characters of repeats: every cue is one pass (no timing asserted)."""
    features((unit * (100_000 // len(unit) + 1))[:100_000])
