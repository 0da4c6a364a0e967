"""German and French people, addresses, measurements and the term families added with
them: what the recognizers find, what they leave alone, that English prompts stay
clear of them and that hostile texts are read in one pass.

Decisions the cases below pin down:
- "Frau" and "Herr" are honorifics only where no determiner makes them nouns ("eine
  Frau Mitte 40", "wie die Frau Blumen kauft"), and never before a title alone ("Frau
  Doktor") or a genitive ("Herr des Hauses");
- a family's plural is a surname's only in the forms no common noun takes ("die
  Neumanns", "les Dupont"; not "les Français", "les Rolling Stones");
- a street address counts as the policy's English one does, except a public
  building's or a business's with no one named near it ("Das Bundeskanzleramt ist in
  der Willy-Brandt-Straße 1");
- a room or bed is someone's only beside a person or a role;
- a lab value, a sum owed or an identifier counts only with its value, and an analyte
  English shares only with a value written the German or French way ("INR 4,2", not
  "INR 500").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from presidio_analyzer import EntityRecognizer

from gateway.classify import data
from gateway.classify.data import read_list
from gateway.classify.language import Languages
from gateway.classify.lexicons import (
    LANGUAGES,
    PERSON,
    PERSON_REFERENCE,
    STREET_ADDRESS,
    LexiconRecognizer,
    PeopleRecognizer,
    lexicon_recognizers,
)

EVAL = Path(data.__file__).parent / "eval"
HEALTH, HR, MONEY = "HEALTH_CONTEXT", "HR_CONTEXT", "FINANCIAL_CONTEXT"


@pytest.fixture(scope="module")
def recognizers() -> list[EntityRecognizer]:
    built = lexicon_recognizers(LANGUAGES)
    assert [type(r) for r in built] == [LexiconRecognizer, PeopleRecognizer]
    return built


def _found(recognizers: list[EntityRecognizer], text: str, entity: str) -> list[str]:
    return [
        text[r.start : r.end]
        for recognizer in recognizers
        for r in recognizer.analyze(text, [entity])
        if r.entity_type == entity
    ]


FOUND = [
    # 1. Honorifics, titles between, a given name before the surname.
    (PERSON, "Frau Schneider aus der Buchhaltung ist krankgeschrieben.", "Schneider"),
    (PERSON, "Herr Yilmaz aus Zimmer 12 hat Schmerzen.", "Yilmaz"),
    (PERSON, "Eine Abmahnung für Herrn Krüger.", "Krüger"),
    (PERSON, "Fr. Dr. Weber hat angerufen.", "Weber"),
    (PERSON, "Sehr geehrte Frau Prof. Dr. med. Schulz-Berger,", "Schulz-Berger"),
    (PERSON, "Hr. Lehmann ist im Urlaub.", "Lehmann"),
    (PERSON, "Frau Ministerin Faeser sprach.", "Faeser"),
    (PERSON, "Herr von Weizsäcker kam.", "Weizsäcker"),
    (PERSON, "Liebe Frau Meier, danke!", "Meier"),
    (PERSON, "Transmission : M. Dubois, chambre 214.", "Dubois"),
    (PERSON, "Relance pour Mme Véronique Lacroix.", "Véronique Lacroix"),
    (PERSON, "Monsieur Martin est arrivé.", "Martin"),
    (PERSON, "Mlle Roux est absente.", "Roux"),
    (PERSON, "Le dossier de madame Petit.", "Petit"),
    (PERSON, "Le certificat de M. Olivier Chevalier.", "Olivier Chevalier"),
    (PERSON, "Mme Dr Garnier consulte.", "Garnier"),
    (PERSON, "M. DUBOIS Jean, né en 1950.", "DUBOIS"),
    # 2. Families.
    (PERSON, "Neue Adresse: Familie Ostermann, Lindenweg 7.", "Ostermann"),
    (PERSON, "Die Familie Yilmaz zieht um.", "Yilmaz"),
    (PERSON, "Fam. Berger hat bezahlt.", "Berger"),
    (PERSON, "Das Ehepaar Neumann ist verschuldet.", "Neumann"),
    (PERSON, "Die Neumanns aus dem 2. OG sind im Rückstand.", "Neumanns"),
    (PERSON, "Wir waren gestern bei Müllers.", "Müllers"),
    (PERSON, "Die Schmidts haben geerbt.", "Schmidts"),
    (PERSON, "Nouvelle adresse : Famille Delmas, 8 allée des Tilleuls.", "Delmas"),
    (PERSON, "La famille Martin est endettée.", "Martin"),
    (PERSON, "Les époux Roux divorcent.", "Roux"),
    (PERSON, "Les Dupont ne paient plus le loyer.", "Dupont"),
    (PERSON, "On dîne chez les Martin samedi.", "Martin"),
    # 6. A given name in lower case after a relative or a role.
    (PERSON, "mein kumpel lukas hat sein erspartes verloren", "lukas"),
    (PERSON, "mon pote quentin a perdu 15k", "quentin"),
    (PERSON, "ma collègue léa est en arrêt maladie", "léa"),
    (PERSON, "meine kollegin anna ist schwanger", "anna"),
    # 3. German addresses: a compound street, a street after an adjective, a postcode.
    (STREET_ADDRESS, "Sie wohnt in der Hauptstraße 12a.", "Hauptstraße 12a"),
    (STREET_ADDRESS, "Lieferung: Berliner Str. 5, 10115 Berlin", "Berliner Str. 5, 10115 Berlin"),
    (STREET_ADDRESS, "Er wohnt Hauptstr. 3.", "Hauptstr. 3"),
    (
        STREET_ADDRESS,
        "Familie Ostermann, Lindenweg 7, 49074 Osnabrück.",
        "Lindenweg 7, 49074 Osnabrück",
    ),
    (STREET_ADDRESS, "Er wohnt im Lindenweg 7.", "Lindenweg 7"),
    (
        STREET_ADDRESS,
        "Anschrift: Kaiserring 12-14, 68161 Mannheim",
        "Kaiserring 12-14, 68161 Mannheim",
    ),
    (STREET_ADDRESS, "Die Gartenstrasse 4 ist ihre.", "Gartenstrasse 4"),
    (STREET_ADDRESS, "Schick es an Alte Gasse 9.", "Alte Gasse 9"),
    # 3. French addresses: a number first, "bis", an article, a postcode.
    (STREET_ADDRESS, "Il habite 12 rue des Lilas.", "12 rue des Lilas"),
    (STREET_ADDRESS, "Au 3 bis avenue Jean Jaurès.", "3 bis avenue Jean Jaurès"),
    (
        STREET_ADDRESS,
        "Famille Delmas, 8 allée des Tilleuls, 69003 Lyon.",
        "8 allée des Tilleuls, 69003 Lyon",
    ),
    (STREET_ADDRESS, "Envoie-le au 5 chemin des Vignes.", "5 chemin des Vignes"),
    (STREET_ADDRESS, "Elle habite 2 place Bellecour.", "2 place Bellecour"),
    (STREET_ADDRESS, "C'est au 14, impasse Pasteur.", "14, impasse Pasteur"),
    (STREET_ADDRESS, "Adresse : 40 bd Haussmann, 75009 Paris", "40 bd Haussmann, 75009 Paris"),
    (STREET_ADDRESS, "Au 7 quai de la Tournelle.", "7 quai de la Tournelle"),
    # 3. A business's address with a person named at it is still an address.
    (STREET_ADDRESS, "An Herrn Lehmann, Firma Müller, Hauptstraße 5.", "Hauptstraße 5"),
    # 4. A room or a bed beside a person or a role.
    (PERSON_REFERENCE, "Herr Yilmaz aus Zimmer 12 hat Fieber.", "Zimmer 12"),
    (PERSON_REFERENCE, "Die Patientin in Bett 3 hat Fieber.", "Bett 3"),
    (PERSON_REFERENCE, "Zi. 4, Frau Weber: BZ 280.", "Zi. 4"),
    (PERSON_REFERENCE, "M. Dubois, chambre 214, glycémie basse.", "chambre 214"),
    (PERSON_REFERENCE, "La patiente du lit 4 a de la fièvre.", "lit 4"),
    # 4. Lab values: decimal commas, units, pressures, words before them.
    (HEALTH, "Kreatinin 1,4 heute früh.", "Kreatinin 1,4"),
    (HEALTH, "Blutzucker 280 mg/dl nach dem Essen.", "Blutzucker 280 mg/dl"),
    (HEALTH, "Blutdruck 180/110, Puls 120.", "Blutdruck 180/110"),
    (HEALTH, "Blutdruck 180/110, Puls 120.", "Puls 120"),
    (HEALTH, "Kalium von 6,1 mmol/l.", "Kalium von 6,1 mmol/l"),
    (HEALTH, "INR 4,2 unter Marcumar.", "INR 4,2"),
    (HEALTH, "CRP bei 45, Tendenz steigend.", "CRP bei 45"),
    (HEALTH, "Sauerstoffsättigung 88 %.", "Sauerstoffsättigung 88 %"),
    (HEALTH, "glycémie à 3,1 mmol/L à 6 h", "glycémie à 3,1 mmol/L"),
    (HEALTH, "glycémie à jeun à 1,26 g/L", "glycémie à jeun à 1,26 g/L"),
    (HEALTH, "tension 16/9 ce matin", "tension 16/9"),
    (HEALTH, "saturation à 88 % sous 2 L", "saturation à 88 %"),
    (HEALTH, "INR 4,2 sous AVK", "INR 4,2"),
    (HEALTH, "créatinine 1,4 hier", "créatinine 1,4"),
    (HEALTH, "kaliémie 6,1 et pouls 120", "kaliémie 6,1"),
    (HEALTH, "kaliémie 6,1 et pouls 120", "pouls 120"),
    # 5. Term families.
    (HR, "Elternzeitantrag von Tobias Kaiser.", "Elternzeitantrag"),
    (HR, "Sie geht in Elternzeit.", "Elternzeit"),
    (HR, "Er bat um einen Gehaltsvorschuss.", "Gehaltsvorschuss"),
    (HR, "Sein Bruttojahresgehalt steigt.", "Bruttojahresgehalt"),
    (HR, "Sie ist im Mutterschutz.", "Mutterschutz"),
    (HR, "Schreib sein Arbeitszeugnis.", "Arbeitszeugnis"),
    (HR, "Elle passe à 51 000 € brut annuel.", "brut annuel"),
    (HR, "Rédige l'avenant au contrat.", "avenant au contrat"),
    (HR, "Rédige le certificat de travail.", "certificat de travail"),
    (HR, "Il part en congé de paternité.", "congé de paternité"),
    (PERSON_REFERENCE, "Personalnummer 40817, Lager.", "Personalnummer 40817"),
    (PERSON_REFERENCE, "Patienten-ID: P-4432.", "Patienten-ID: P-4432"),
    (PERSON_REFERENCE, "matricule 40817, service logistique", "matricule 40817"),
    (PERSON_REFERENCE, "numéro de patient 22871", "numéro de patient 22871"),
    (MONEY, "Mon colocataire me doit 740 €.", "doit 740 €"),
    (MONEY, "Il doit encore 6000 à sa banque.", "doit encore 6000"),
    (MONEY, "Elle lui doit 1 480 euros.", "doit 1 480 euros"),
    (MONEY, "Il me doit de l'argent.", "doit de l'argent"),
    (MONEY, "Il a perdu 15k au poker en ligne.", "perdu 15k"),
    (MONEY, "Er verlor 12.000 € beim Pokern.", "verlor 12.000 €"),
    (MONEY, "Er schuldet mir 500 Euro.", "schuldet"),
    (MONEY, "Die schulden mir noch Geld.", "schulden"),
    (MONEY, "Er hat sein Erspartes verzockt.", "Erspartes"),
    (MONEY, "Er hat sein Erspartes verzockt.", "verzockt"),
    (MONEY, "Schreib eine Zahlungserinnerung.", "Zahlungserinnerung"),
    (MONEY, "Ihr Konto wurde gepfändet.", "gepfändet"),
    (MONEY, "Die Lohnpfändung läuft.", "Lohnpfändung"),
    (MONEY, "Sa facture est échue depuis 45 jours.", "échue"),
    (MONEY, "Une relance de paiement.", "relance de paiement"),
    (MONEY, "Une facture impayée.", "facture impayée"),
    (MONEY, "Une saisie sur compte.", "saisie sur compte"),
    (MONEY, "revenus nets 2 950 €/mois, crédit auto en cours", "revenus nets"),
    (MONEY, "revenus nets 2 950 €/mois, crédit auto en cours", "crédit auto"),
    (HEALTH, "Sie hat eine Erdnussallergie.", "Erdnussallergie"),
    (HEALTH, "Er hat einen Dekubitus Grad 2.", "Dekubitus"),
    (HEALTH, "Sie hat ein Druckgeschwür.", "Druckgeschwür"),
    (HEALTH, "Mein Vater hat Alzheimer.", "hat Alzheimer"),
    (HEALTH, "Die Alzheimerdiagnose kam.", "Alzheimerdiagnose"),
    (HEALTH, "Sie ist an Parkinson erkrankt.", "an Parkinson"),
    (HEALTH, "Er fällt wegen Burnout aus.", "wegen Burnout"),
    (HEALTH, "Er ist spielsüchtig.", "spielsüchtig"),
    (HEALTH, "mon pere a alzheimer", "a alzheimer"),
    (HEALTH, "atteinte de la maladie de Parkinson", "de Parkinson"),
    (HEALTH, "Il a des escarres.", "escarres"),
    (HEALTH, "Elle fait un burn-out.", "un burn-out"),
    (HEALTH, "Il souffre d'addiction au jeu.", "addiction au jeu"),
]


@pytest.mark.parametrize(("entity", "text", "span"), FOUND)
def test_found(recognizers: list[EntityRecognizer], entity: str, text: str, span: str) -> None:
    assert span in _found(recognizers, text, entity)


NOT_FOUND = [
    # 1. Nouns after a determiner, titles alone, a genitive, abbreviations.
    (PERSON, "Eine Frau Mitte 40 kam herein."),
    (PERSON, "Ich sah, wie die Frau Blumen kaufte."),
    (PERSON, "Das ist der Herr der Ringe."),
    (PERSON, "Meine Frau Anna ist krank."),  # a wife, and Anna is the name recognizers'
    (PERSON, "Frau Doktor, bitte kommen Sie."),
    (PERSON, "Herr Gott im Himmel!"),
    (PERSON, "Die Frau Mutter des Bräutigams."),
    (PERSON, "Geöffnet Mo.-Fr. Öffnungszeiten beachten."),
    (PERSON, "Madame, Monsieur, je vous écris."),
    (PERSON, "M. le Maire a répondu."),
    (PERSON, "Un monsieur Propre en plastique."),
    (PERSON, "I'll talk to HR. Next sprint starts Monday."),
    (PERSON, "Diplôme de M. Sc. Informatique."),
    # 2. Plurals that are not families.
    (PERSON, "Les Français aiment le fromage."),
    (PERSON, "On part dans les Alpes."),
    (PERSON, "J'adore les Rolling Stones."),
    (PERSON, "Les JO de Paris."),
    (PERSON, "Die Kumpels kommen auch."),
    (PERSON, "Die Partners sind da."),
    (PERSON, "Meine Familie Weihnachten feiern."),
    (PERSON, "Une famille Nombreuse arrive."),
    # 6. Lower-case names only after a relative or a role, and not words.
    (PERSON, "lukas hat angerufen"),
    (PERSON, "mein Mann will das nicht"),
    (PERSON, "mon fils ira à l'école"),
    (PERSON, "mon collègue lance le projet"),
    (PERSON, "son fils aura dix ans"),
    # 3. Not addresses: other "-weg", "-platz", "-ring" words, distances, English, and
    # public buildings' addresses with no one named.
    (STREET_ADDRESS, "Zeige den Lösungsweg 2 ausführlich."),
    (STREET_ADDRESS, "Wir sind auf Tabellenplatz 3."),
    (STREET_ADDRESS, "Der Code läuft in Ring 3."),
    (STREET_ADDRESS, "Take Engineering 101 and Spring 2024 courses."),
    (STREET_ADDRESS, "Die Hauptstraße 5 km weiter ist gesperrt."),
    (STREET_ADDRESS, "Das Bundeskanzleramt ist in der Willy-Brandt-Straße 1, 10557 Berlin."),
    (STREET_ADDRESS, "Das Rathaus liegt am Marienplatz 8, 80331 München."),
    (STREET_ADDRESS, "L'Élysée, c'est bien au 55 rue du Faubourg Saint-Honoré, 75008 Paris ?"),
    (STREET_ADDRESS, "Il reste 3 places de libre."),
    (STREET_ADDRESS, "J'ai 2 routes possibles et 1 place de cinéma."),
    (STREET_ADDRESS, "Suis 3 cours de Python."),
    (STREET_ADDRESS, "Top 3 Place Holders and 5 route changes."),
    # 4. Rooms with no one beside them; beds for sale; lab words without a value or
    # with a value English writes.
    (PERSON_REFERENCE, "Das Meeting ist in Zimmer 12."),
    (PERSON_REFERENCE, "Un lit 2 places pour la chambre d'amis."),
    (HEALTH, "Was ist ein normaler Blutzucker?"),
    (HEALTH, "Was bedeutet INR?"),
    (HEALTH, "Convert INR 500 to euros."),
    (HEALTH, "Set saturation 80% and contrast 20%."),
    (HEALTH, "La tension de 230 V est dangereuse."),
    (HEALTH, "Her creatinine 1.4 and glucose 182 mg/dL."),
    (HEALTH, "Kalium 3.500 Tonnen im Jahr."),
    # 5. "doit" is "must", "perdu" "lost": no sum, no money.
    (MONEY, "Il doit partir à 8 h."),
    (MONEY, "Il doit encore lire 300 pages."),
    (MONEY, "Il doit encore 300 pages."),
    (MONEY, "Elle a perdu 3 kg."),
    (MONEY, "Il me doit une explication."),
    (PERSON_REFERENCE, "Name und Mitgliedsnummer trage ich selbst ein."),
    (PERSON_REFERENCE, "Die Personalnummer besteht aus fünf Ziffern."),
    (HEALTH, "What causes allergies in spring?"),
    (HEALTH, "How do I avoid burnout at work?"),
    (HEALTH, "What are the stages of Alzheimer's?"),
    (HEALTH, "James Parkinson described the disease in 1817."),
]


@pytest.mark.parametrize(("entity", "text"), NOT_FOUND)
def test_left_alone(recognizers: list[EntityRecognizer], entity: str, text: str) -> None:
    assert _found(recognizers, text, entity) == []


def _english(text: str) -> bool:
    return not Languages(["en"]).unread(text)


def test_people_and_addresses_stay_off_the_english_evaluation_set(
    recognizers: list[EntityRecognizer],
) -> None:
    """Nothing on a public English prompt, and nothing but a person on a sensitive one."""
    people = recognizers[1]
    public, sensitive = [], []
    for name in ("sensitivity.jsonl", "complexity.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else None
            if row is None or not _english(row["text"]):
                continue
            found = [
                (r.entity_type, row["text"][r.start : r.end])
                for r in people.analyze(row["text"], [])
            ]
            (sensitive if row.get("sensitive") else public).extend(found)
    assert public == []
    assert len(sensitive) <= 3, sensitive


def test_scores(recognizers: list[EntityRecognizer]) -> None:
    people = recognizers[1]
    text = "Frau Weber, Zimmer 12, wohnt in der Hauptstraße 5."
    scores = {r.entity_type: r.score for r in people.analyze(text, [])}
    assert scores == {PERSON: 0.6, PERSON_REFERENCE: 0.6, STREET_ADDRESS: 0.7}
    assert {r.entity_type for r in people.analyze(text, [STREET_ADDRESS])} == {STREET_ADDRESS}


LONG = 100_000


def _repeated(unit: str) -> str:
    return (unit * (LONG // len(unit) + 1))[:LONG]


ADVERSARIAL = [
    *(
        _repeated(unit)
        for unit in [
            "Frau ",
            "Frau Dr. ",
            "M. ",
            "M.",
            "les ",
            "die Neumanns ",
            "Familie ",
            "mein kumpel lukas ",
            "Frau Weber Zimmer 12 ",
            "Zimmer 1 ",
            "12 rue ",
            "1 rue des Lilas ",
            "Hauptstraße 1 ",
            "Rathaus Hauptstraße 1 ",
            "Lindenweg 7, 49074 Osnabrück ",
            "1-",
            "1 1 1 ",
            "Kreatinin 1,4 ",
            "doit 1 000 ",
            "doit encore ",
            "Personalnummer ",
            "Straße ",
            "A-",
        ]
    ),
    "Frau" + " " * LONG + "Weber",
    # Long runs of blanks where a value, a postcode or a number may follow.
    "Kreatinin" + " " * LONG + "1 V",
    "Kreatinin:" + " " * LONG + "x",
    "Personalnummer" + " " * LONG + ":" + " " * LONG + "x",
    "doit" + " " * LONG + "1 000 pages",
    "Lindenweg 7" + " " * LONG + ",",
    "8 allée des Tilleuls" + " " * LONG + "69003",
    "Zimmer" + " " * LONG + "12",
    "doit " + "1 000 " * (LONG // 6) + "pages",
    "12" + " " * LONG + "rue des Lilas",
    "Frau " + "W" * LONG,
    "Hauptstra" + "ß" * LONG + "e 1",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda text: repr(text[:14]))
def test_long_hostile_texts_are_read(recognizers: list[EntityRecognizer], text: str) -> None:
    """A 100,000-character text of repeated names, rooms, numbers and streets: one pass
    (no timing asserted: a quadratic search would not finish)."""
    for recognizer in recognizers:
        recognizer.analyze(text, [])


def test_many_rooms_and_names_in_a_long_text(recognizers: list[EntityRecognizer]) -> None:
    text = "Frau Weber, Zimmer 12. " * 4_000
    people = recognizers[1]
    found = people.analyze(text, [PERSON, PERSON_REFERENCE])
    assert sum(r.entity_type == PERSON for r in found) == 4_000
    assert sum(r.entity_type == PERSON_REFERENCE for r in found) == 4_000


NEW_LISTS = [
    "lab",
    "lab_codes",
    "amounts",
    "numbers",
    "honorifics",
    "titles",
    "families",
    "indefinites",
    "not_names",
    "streets",
    "ways",
    "address_cues",
    "public_places",
    "rooms",
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", NEW_LISTS)
def test_new_lists_hold_no_repeats(language: str, name: str) -> None:
    terms = read_list(f"lexicons/{language}_{name}.txt")
    assert terms
    assert len({t.casefold() for t in terms}) == len(terms)


def _street_sample(language: str, term: str) -> str:
    if language == "de":
        bare = term.lstrip("*").rstrip(".")
        written = f"Linden{bare}" if term.startswith("*") else f"Berliner {bare}"
        dot = "." if term.endswith(".") else ""
        return f"{written}{dot} 7, 49074 Osnabrück"
    return f"12 {term} des Lilas, 69003 Lyon"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_listed_value_term_honorific_street_and_room_is_read(
    recognizers: list[EntityRecognizer], language: str
) -> None:
    def terms(name: str) -> list[str]:
        return read_list(f"lexicons/{language}_{name}.txt")

    samples = [(HEALTH, f"{t} 1,4", f"Notiz: {t} 1,4 (Ende).") for t in terms("lab")]
    samples += [(HEALTH, f"{t} 1,4", f"Notiz: {t} 1,4 (Ende).") for t in terms("lab_codes")]
    samples += [(MONEY, f"{t} 1 500 €", f"x: {t} 1 500 € y") for t in terms("amounts")]
    samples += [(PERSON_REFERENCE, f"{t} 40817", f"x: {t} 40817 y") for t in terms("numbers")]
    samples += [(PERSON, "Weber", f"x: {t} Weber y") for t in terms("honorifics")]
    samples += [(PERSON, "Weber", f"x: {t} Weber y") for t in terms("families")]
    honorific = terms("honorifics")[0]
    samples += [(PERSON, "Weber", f"x: {honorific} {t} Weber y") for t in terms("titles")]
    samples += [
        (STREET_ADDRESS, _street_sample(language, t), f"x: {_street_sample(language, t)}.")
        for t in [*terms("streets"), *terms("ways")]
    ]
    samples += [
        (PERSON_REFERENCE, f"{t} 12", f"Frau Weber, {t} 12, Fieber.") for t in terms("rooms")
    ]
    missed = [
        (entity, text)
        for entity, span, text in samples
        if span not in _found(recognizers, text, entity)
    ]
    assert missed == []
