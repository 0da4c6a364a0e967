"""Data subjects: a role, a relation, an identifier or a record beside a name makes the
person private, so a public figure's name on a record routes like anyone's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from gateway.classify.data import read_list
from gateway.classify.extract import Segment
from gateway.classify.names import all_given_names
from gateway.classify.options import DATA_SUBJECT_ROLES, SensitivityOptions
from gateway.classify.public import FIGURES_RESOURCE, PublicFigures
from gateway.classify.registry import Classifiers
from gateway.classify.sensitivity import SensitivityClassifier
from gateway.classify.signals import Level
from gateway.classify.subjects import WINDOW, DataSubjects, Kind, named_subjects, window
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import load_classifier_options, load_policy
from tests.conftest import DEFAULT_POLICY

OPTIONS = load_classifier_options(DEFAULT_POLICY).sensitivity
ROLES = OPTIONS.data_subject_roles
NAME = "David Beckham"


@pytest.fixture(scope="module")
def subjects() -> DataSubjects:
    return DataSubjects(ROLES)


def marker_of(subjects: DataSubjects, text: str) -> Kind | None:
    start = text.index(NAME)
    return subjects.marker(text, start, start + len(NAME))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # A role tied to the name, before it, after it, or taken into it by NER.
        ("Patient David Beckham presents tomorrow.", "role"),
        ("Our tenant, David Beckham, has not paid.", "role"),
        ("Employee: Mr David Beckham", "role"),
        ("the account holder named David Beckham", "role"),
        ("David Beckham, a long-standing customer, called again.", "role"),
        ("David Beckham (employee) called again.", "role"),
        ("David Beckham is one of our policyholders.", "role"),
        ("David Beckham, 54, a patient on the ward, called.", "role"),
        ("David Beckham was our intern last summer.", "role"),
        # A relation, with a possessive.
        ("My brother David Beckham has diabetes.", "relation"),
        ("David Beckham, her husband, is unwell.", "relation"),
        ("David Beckham is my neighbour.", "relation"),
        # An identifier anywhere in the window.
        ("David Beckham, 54, has chest pain.", "identifier"),
        ("David Beckham (54) has chest pain.", "identifier"),
        ("David Beckham, aged 54, has chest pain.", "identifier"),
        ("A 54-year-old, David Beckham, has chest pain.", "identifier"),
        ("David Beckham has chest pain; age: 54.", "identifier"),
        ("David Beckham, account no. 88213404, wrote in.", "identifier"),
        ("Ticket for David Beckham. Payroll no. 4471.", "identifier"),
        ("David Beckham in bed 4 needs a review.", "identifier"),
        ("David Beckham, DOB 02/05/1971.", "identifier"),
        # A record's shape: a form's field, a clinical note, an HR case, an account.
        ("Name: David Beckham\nReason: follow-up", "record"),
        ("David Beckham presents with chest pain.", "record"),
        ("David Beckham: troponin 0.9, BP 150/90.", "record"),
        ("David Beckham was dismissed after a disciplinary hearing.", "record"),
        ("David Beckham is on a performance improvement plan.", "record"),
        ("Statement of account for David Beckham.", "record"),
        ("David Beckham has missed payments since May.", "record"),
    ],
)
def test_what_marks_a_named_person_as_private(
    subjects: DataSubjects, text: str, kind: Kind
) -> None:
    assert marker_of(subjects, text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "Compare David Beckham's free-kick technique with Cristiano Ronaldo's.",
        "What illness did David Beckham die of?",
        "Why did David Beckham use a wheelchair?",
        "David Beckham died aged 36 of melanoma.",  # a life story's age
        "David Beckham was diagnosed at age 48.",
        "David Beckham scored 23 points and took 54 rebounds.",
        "David Beckham, a member of Parliament, was in hospital.",  # a public office
        "David Beckham was a nurse in the Crimean War.",  # a past job, not ours
        "Victoria Beckham's husband David Beckham was injured.",  # not a possessive
        "Why was David Beckham sentenced, and what happened to the customers' money?",
        "David Beckham sold his BP 2010 shares.",  # a company and a year, no vitals
        "Pip met David Beckham.",  # PIP the plan is upper case
    ],
)
def test_talk_about_a_public_figure_is_not_marked(subjects: DataSubjects, text: str) -> None:
    assert marker_of(subjects, text) is None


def test_the_window_ends_at_a_blank_line_or_window_characters_away(
    subjects: DataSubjects,
) -> None:
    pad = "." * WINDOW
    assert marker_of(subjects, f"bed 4. {pad[: WINDOW - 7]}{NAME}") == "identifier"
    assert marker_of(subjects, f"bed 4. {pad[: WINDOW - 5]}{NAME}") is None
    assert marker_of(subjects, f"{NAME}{pad[: WINDOW - 6]} bed 4") == "identifier"
    assert marker_of(subjects, f"{NAME}{pad[: WINDOW - 4]} bed 4") is None
    assert marker_of(subjects, f"Patient notes, bed 4.\n\n{NAME} won the cup.") is None
    assert marker_of(subjects, f"{NAME} won the cup.\n \nPatient in bed 4.") is None
    assert marker_of(subjects, f"Patient notes, bed 4.\n{NAME} won the cup.") == "identifier"


def test_a_word_cut_by_the_window_is_left_out() -> None:
    text = "usage 54 " + "x" * (WINDOW - 7) + NAME
    before, _ = window(text, text.index(NAME), len(text))
    assert before.startswith(" 54")
    assert "age" not in before


def test_the_policy_s_roles_are_the_ones_that_count() -> None:
    text = f"Subscriber {NAME} is three months behind."
    start = text.index(NAME)
    assert DataSubjects(["subscriber"]).marked(text, start, start + len(NAME))
    assert not DataSubjects(["patient"]).marked(text, start, start + len(NAME))
    assert not DataSubjects([]).marked(text, start, start + len(NAME))


def test_the_default_policy_lists_the_default_roles() -> None:
    assert ROLES == list(DATA_SUBJECT_ROLES) == SensitivityOptions().data_subject_roles


@pytest.mark.parametrize("role", ["", "pat(ient", "patient 2", "  "])
def test_a_role_that_is_not_words_is_refused(role: str) -> None:
    with pytest.raises(ValidationError, match="data_subject_roles"):
        SensitivityOptions(data_subject_roles=[role])


@pytest.mark.parametrize(
    "text",
    [
        "Patient David Beckham, 54, presents with chest pain and troponin 0.9.",
        "Draft a letter confirming employee David Beckham's dismissal after last week's "
        "disciplinary hearing.",
    ],
)
def test_a_public_figures_name_on_a_record_stays_on_the_edge(
    classifiers: Classifiers, text: str
) -> None:
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level >= Level.CONFIDENTIAL
    found = {text[s:e] for s, e, kind in classifiers.sensitivity.spans(text) if kind == "PERSON"}
    assert any("Beckham" in value for value in found)  # and redacted like anyone's


# The property: a record about a person routes the same whoever the person is. Every
# role word of the default policy, each with PER_ROLE prompts drawn from templates (role
# before or after the name, in a sentence or a form, with and without an age or an
# identifier) and health, HR, legal and financial facts, a public figure's name against
# an ordinary one: len(ROLES) * PER_ROLE probes (516 with the shipped roles), fixed seed.
# A name that spaCy does not read as a person even with the public-figures list off
# ("Arijit Singh" as a place, "Denzel Washington" as an organisation) is no question of
# fame: such draws are rejected, not counted, and the property is asserted on the rest.
PER_ROLE = 12
PROBES = settings(
    max_examples=PER_ROLE,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ORDINARY = ("Maria Kowalczyk", "Tom Ashworth", "Priya Raman", "Daniel Okafor")
IDENTIFIERS = ("", ", 54,", " (54)", ", aged 61,", " (record no. 88213)", ", DOB 02/05/1971,")
FACTS = {
    "health": (
        "has been diagnosed with type 2 diabetes and started on metformin",
        "presents with chest pain and a troponin of 0.9",
        "was admitted with pneumonia and is on IV antibiotics",
        "is being treated for depression and has missed three therapy sessions",
    ),
    "hr": (
        "was dismissed after a disciplinary hearing last week",
        "is on a performance improvement plan after a written warning",
        "raised a grievance about being passed over for promotion",
        "will not have their contract renewed after a poor performance review",
    ),
    "legal": (
        "was convicted of fraud and ordered to repay £30,000 of debt",
        "is being sued by the bank over mortgage arrears of £4,200",
        "faces an eviction hearing over unpaid rent",
        "settled an unfair dismissal claim for £12,000 in compensation",
    ),
    "financial": (
        "is three months in arrears on the mortgage",
        "has an overdraft of £2,300 and missed two loan repayments",
        "owes £4,100 on credit cards and is considering bankruptcy",
        "asked us to freeze the interest on their debt",
    ),
}
TEMPLATES = (
    "{Role} {name}{id} {fact}.",
    "Summarise for the file: {role} {name}{id} {fact}.",
    "{Role}: {name}{id}\nNotes: {Fact}.",
    "{name}{id}, {a} {role}, {fact}.",
    "{name}{id} is one of our {roles} and {fact}.",
    "Draft a reply about {name}{id}, the {role} who {fact}.",
)


@dataclass(frozen=True)
class Probe:
    famous: str
    ordinary: str


def public_names() -> list[str]:
    """The shipped list's entries that the classifier treats as public figures."""
    figures = PublicFigures.shipped(OPTIONS.allow_list, all_given_names())
    return [name for name in read_list(FIGURES_RESOURCE) if name in figures]


def records(role: str, famous: list[str]) -> st.SearchStrategy[Probe]:
    def build(template: str, fact: str, ident: str, name: str, other: str) -> Probe:
        def text(person: str) -> str:
            return template.format(
                role=role,
                Role=role[0].upper() + role[1:],
                roles=plural(role),
                a="an" if role[0] in "aeiou" else "a",
                name=person,
                id=ident,
                fact=fact,
                Fact=fact[0].upper() + fact[1:],
            )

        return Probe(text(name), text(other))

    facts = [fact for domain in FACTS.values() for fact in domain]
    return st.builds(
        build,
        st.sampled_from(TEMPLATES),
        st.sampled_from(facts),
        st.sampled_from(IDENTIFIERS),
        st.sampled_from(famous),
        st.sampled_from(ORDINARY),
    )


def plural(role: str) -> str:
    return role[:-1] + "ies" if role.endswith("y") else role + "s"


@pytest.fixture(scope="module")
def famous() -> list[str]:
    names = public_names()
    assert len(names) > 4000
    return names


@pytest.fixture(scope="module")
def routed(classifiers: Classifiers) -> Callable[[str], tuple[Level, str]]:
    policy, revision = load_policy(DEFAULT_POLICY)

    def route(text: str) -> tuple[Level, str]:
        signals = classifiers.classify_segments([Segment("user", text)])
        decision = evaluate(policy, revision, signals, None, RequestFacts("auto"), "probe")
        return signals.sensitivity.level, decision.route

    return route


@pytest.fixture(scope="module")
def unlisted(classifiers: Classifiers) -> SensitivityClassifier:
    """The default policy's classifier with the public-figures list off."""
    options = OPTIONS.model_copy(update={"public_figures": False})
    return SensitivityClassifier(options, classifiers.embeddings)


@pytest.mark.parametrize("role", ROLES)
def test_a_record_about_a_public_figure_routes_like_one_about_anyone(
    routed: Callable[[str], tuple[Level, str]],
    unlisted: SensitivityClassifier,
    famous: list[str],
    role: str,
) -> None:
    ran: list[Probe] = []

    @PROBES
    @given(records(role, famous))
    def probe(probe: Probe) -> None:
        ordinary = routed(probe.ordinary)
        # The template makes a record: with an ordinary name it stays on the edge.
        assert ordinary[0] >= Level.CONFIDENTIAL, probe.ordinary
        without_list = unlisted.classify([Segment("user", probe.famous)])
        assume("PERSON" in without_list.entities)
        ran.append(probe)
        level, route = routed(probe.famous)
        assert (route, level >= Level.CONFIDENTIAL) == (ordinary[1], True), probe.famous
        # The same text with the list off: the fame of the name changed nothing. (The
        # exact level may differ between names: the embedding reads the whole text.)
        assert level == without_list.level, probe.famous

    probe()
    assert len(ran) == PER_ROLE


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Patient Arijit Singh has been diagnosed with diabetes.", "Arijit Singh"),
        ("employee: Dana Whitfield got a final written warning", "Dana Whitfield"),
        ("Our tenant, Mr Ortiz, is three months in arrears.", "Mr Ortiz"),
        ("The claimant named Oyelaran Adebayo-Cole appealed.", "Oyelaran Adebayo-Cole"),
        ("Nurse Ngozi O'Neill reported the incident.", "Ngozi O'Neill"),
    ],
)
def test_a_name_after_a_role_is_a_person_whatever_the_name(text: str, name: str) -> None:
    recognizer = named_subjects(DATA_SUBJECT_ROLES)
    found = recognizer.analyze(text, ["PERSON"])
    assert [text[r.start : r.end].endswith(name) for r in found] == [True]


@pytest.mark.parametrize(
    "text",
    [
        "Customer Service handles refunds.",
        "The Student Loans Company sets the rate.",
        "Member States agreed on the budget.",
        "Patient Zero was never found.",
        "the patient has been discharged",
        "Our customers in Osaka want invoices.",
    ],
)
def test_a_role_before_a_thing_or_a_lower_case_word_names_no_one(text: str) -> None:
    assert named_subjects(DATA_SUBJECT_ROLES).analyze(text, ["PERSON"]) == []
