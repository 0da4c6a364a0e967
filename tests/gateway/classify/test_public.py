"""Public figures: known names are public knowledge, not a private person's data."""

from __future__ import annotations

from gateway.classify.extract import Segment
from gateway.classify.names import all_given_names
from gateway.classify.options import SensitivityOptions
from gateway.classify.public import PublicFigures, normalized
from gateway.classify.registry import Classifiers
from gateway.classify.sensitivity import SensitivityClassifier
from gateway.classify.signals import Level

LISTED = [
    "Elizabeth II",
    "Pope Francis",
    "Stephen Hawking",
    "Serena Williams",
    "Robin Williams",
    "Adele",
    "Beyoncé",
    "Ludwig van Beethoven",
    "Michael J. Fox",
]
GIVEN = ["Adele", "Michael", "Francis", "Serena", "Stephen"]


def test_names_are_compared_without_case_accents_punctuation_or_possessive() -> None:
    assert normalized("Gabriel García Márquez's") == "gabriel garcia marquez"
    assert normalized("Michael J. Fox") == "michael j fox"
    figures = PublicFigures(LISTED, GIVEN)
    assert "STEPHEN HAWKING'S" in figures
    assert "Michael J Fox" in figures
    assert "Beyonce" in figures
    assert "Queen Elizabeth II" in figures  # a title before a listed name


def test_a_title_is_part_of_a_name_it_alone_would_leave_as_a_given_name() -> None:
    figures = PublicFigures(LISTED, GIVEN)
    assert "Pope Francis" in figures
    assert "Francis" not in figures


def test_a_surname_alone_counts_only_as_a_listed_one_word_name() -> None:
    figures = PublicFigures([*LISTED, "Beethoven", "Williams"], GIVEN, ["Williams"])
    assert "Beethoven" in figures
    assert "Hawking" not in figures  # only the last word of a listed name
    assert "Williams" not in figures  # a common surname
    assert "Jordan" not in PublicFigures([*LISTED, "Jordan"], [*GIVEN, "Jordan"])


def test_a_title_and_a_listed_monarchs_name_is_that_monarch() -> None:
    figures = PublicFigures([*LISTED, "Charles III"], GIVEN)
    assert "Queen Elizabeth" in figures
    assert "King Charles's" in figures
    assert "Queen Serena" not in figures


def test_a_title_written_before_a_found_name_is_read_with_it() -> None:
    figures = PublicFigures([*LISTED, "Princess Diana"], [*GIVEN, "Diana"])
    text = "What did Princess Diana do for charity, and what did Diana Reyes do?"
    first = text.index("Diana")
    assert figures.named_at(text, first, first + len("Diana"))
    assert figures.named_at(text, first, first + len("Diana do"))
    second = text.index("Diana Reyes")
    assert not figures.named_at(text, second, second + len("Diana Reyes"))


def test_a_word_taken_into_a_listed_name_by_the_tagger_is_ignored() -> None:
    figures = PublicFigures(LISTED, GIVEN)
    assert "Describe Stephen Hawking's" in figures
    # Only a whole listed name survives the trimming, never a surname alone.
    assert "Ask Priya Hawking" not in figures


def test_a_given_name_with_a_common_surname_could_be_anyone() -> None:
    figures = PublicFigures(LISTED, GIVEN, ["Williams"])
    assert "Serena Williams" not in figures
    assert "Stephen Hawking" in figures


def test_a_one_word_name_that_is_a_given_name_does_not_count_alone() -> None:
    figures = PublicFigures(LISTED, GIVEN)
    assert "Adele" not in figures
    assert "Serena" not in figures
    assert "Serena Jones" not in figures


def test_the_shipped_list_is_broad_and_honours_the_policy_allow_list() -> None:
    figures = PublicFigures.shipped(["Ada Contoso"], all_given_names())
    assert len(figures) > 1000
    assert "Ada Contoso" in figures
    assert "Abraham Lincoln" in figures


def test_a_public_person_with_health_context_stays_public(classifiers: Classifiers) -> None:
    for text in (
        "Write a paragraph on Stephen Hawking's ALS for a school science project.",
        "What did Ronald Reagan's doctors say about his Alzheimer's disease?",
        # Nothing beside the name makes the person a patient (subjects.py).
        "What illness did Bob Marley die of?",
        "Why did Stephen Hawking use a wheelchair?",
    ):
        signal = classifiers.sensitivity.classify([Segment("user", text)])
        assert "PERSON" not in signal.entities, text
        assert signal.level == Level.PUBLIC, text


def test_a_private_person_with_the_same_context_is_still_found(classifiers: Classifiers) -> None:
    text = "Write a note for Priyanka Raman: her ALS has progressed and she needs a wheelchair."
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level == Level.RESTRICTED


def test_a_relation_still_counts_beside_a_public_name(classifiers: Classifiers) -> None:
    text = "My aunt has Parkinson's, like Michael J. Fox. How do I help her at home?"
    assert classifiers.sensitivity.classify([Segment("user", text)]).level == Level.RESTRICTED


def test_the_shipped_list_can_be_turned_off(classifiers: Classifiers) -> None:
    options = SensitivityOptions(
        combinations=[{"all": ["PERSON", "HEALTH_CONTEXT"], "level": "restricted"}],
        deny_lists=[{"entity": "HEALTH_CONTEXT", "terms": ["ALS"]}],
        public_figures=False,
    )
    classifier = SensitivityClassifier(options, classifiers.embeddings)
    text = "Write a paragraph on Stephen Hawking's ALS for a school science project."
    assert classifier.classify([Segment("user", text)]).level == Level.RESTRICTED


def test_a_public_name_is_not_redacted_a_private_one_is(classifiers: Classifiers) -> None:
    text = "Compare Stephen Hawking's ALS with what Priya Raman was told about hers."
    found = {text[start:end] for start, end, kind in classifiers.sensitivity.spans(text)}
    assert not any("Hawking" in value for value in found)
    assert any("Priya" in value for value in found)


def test_an_instructions_opening_verb_is_not_a_person(classifiers: Classifiers) -> None:
    # spaCy's small model reads "Summarise" here as a PERSON.
    text = "Summarise why the fund collapsed and what happened to the savers' money."
    found = classifiers.sensitivity.spans(text)
    assert not [text[start:end] for start, end, kind in found if kind == "PERSON"]
