"""Data subjects: what marks a named person as a private individual, so that a famous
name on a patient's chart or in a disciplinary letter is not waved through as public.

A name is shared by many people; a role, a relation, an identifier or a record around
it is what makes this one a private person. `DataSubjects.marker` looks for them in a
window around the name:

- tied to the name: a role word from the policy ("Patient David Beckham", "David
  Beckham, a tenant", "… is our customer"), a relation with a possessive ("my brother
  David Beckham", "David Beckham, her husband") or a form's name field ("Name: David
  Beckham"). Tied means right before the name (a colon, comma or dash, "named" or
  "called" and one capitalised title may come between), at the start of the name as
  found ("Nurse David Beckham"), or right after it, after a comma, a parenthesis, a
  colon, a dash, "is", or "was" with a possessive ("was our patient"), where a
  determiner and up to two words may come before the role;
- anywhere in the window: an identifier (an age, a record, account, case, employee or
  member number, a room or bed, a date of birth) or a record's shape (a clinical note,
  an HR case, a statement of account).

The window is the WINDOW characters before the name and the WINDOW after it, each cut
at a blank line (a paragraph, a message part) and trimmed to whole words. Every pattern
is a regex without nested repetition over that bounded window: a fixed cost per name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

from gateway.classify.gates import gate_word_alternation

WINDOW = 120

Kind = Literal["role", "relation", "identifier", "record"]
# Where a rule looks: at the end of the text before the name, at the start of the
# name as found, at the start of the text after it, or anywhere in either.
Place = Literal["before", "head", "after", "near"]

# Who someone is to the writer: only with a possessive. "Victoria Beckham's husband"
# is public talk, "her husband" is someone's family.
RELATIONS = (
    "mother", "mum", "mom", "father", "dad", "parent", "husband", "wife", "spouse",
    "partner", "son", "daughter", "child", "kid", "baby", "brother", "sister", "sibling",
    "twin", "grandmother", "grandfather", "grandma", "grandpa", "granny", "grandson",
    "granddaughter", "grandchild", "uncle", "aunt", "auntie", "cousin", "nephew", "niece",
    "stepfather", "stepmother", "stepson", "stepdaughter", "stepdad", "stepmum", "stepmom",
    "father-in-law", "mother-in-law", "sister-in-law", "brother-in-law", "son-in-law",
    "daughter-in-law", "fiancé", "fiancée", "fiance", "fiancee", "boyfriend", "girlfriend",
    "ex", "ex-husband", "ex-wife", "friend", "best friend", "neighbour", "neighbor",
    "flatmate", "roommate", "housemate", "landlord", "landlady", "boss", "manager", "carer",
    "godson", "goddaughter", "godmother", "godfather",
)  # fmt: skip
_POSSESSIVE = r"(?:my|our|his|her|their|your)"
_DETERMINER = rf"(?:one\s+of\s+{_POSSESSIVE}|{_POSSESSIVE}|a|an|the|this)"
_FIELD_LABELS = (
    r"(?:full\s+|first\s+|last\s+|legal\s+|given\s+|[\w-]+\s+)?name|surname|forename"
    r"|next\s+of\s+kin|emergency\s+contact"
)
# A title between a role and the name: "Patient: Mr David Beckham", "Pope Francis".
_TITLE = r"(?:(?-i:[A-Z][a-z]{0,8})\.?\s+)?"
# A dash may be a hyphen, an en dash or an em dash.
_TIED_BEFORE = rf"(?:\s+(?:named|called))?\s*[:,\-\u2013\u2014]?\s*{_TITLE}\Z"
_AGE_NUMBER = r"(?:aged?\s*)?\d{1,3}(?:\s*(?:y/?o|yrs?|years?(?:\s+old)?))?"
# How a role or relation follows the name, an age in between: "David Beckham, 54, a
# patient", "David Beckham (employee …", "David Beckham is our tenant".
_TIED_AFTER = (
    rf"\A(?:\s*,\s*{_AGE_NUMBER}\b)?"
    rf"\s*(?:[,(:\-\u2013\u2014]|\bis\b|\bwas\b(?=\s+{_POSSESSIVE}\b))\s*"
)

_AGES_AFTER = (
    r"\A\s*\(\s*(?:aged?\s*)?\d{1,3}\s*(?:y/?o|yrs?|[MF])?\s*\)",
    rf"\A\s*,\s*{_AGE_NUMBER}"
    r"\s*(?:[,;.)]|\Z|\s+(?:and|with|who|has|had|is|was|presents|presented)\b)",
)
_NUMBERED = (
    r"record|account|acct|case|file|employee|staff|member(?:ship)?|patient|customer|client"
    r"|policy|claim|student|tenant|payroll|hospital|NHS|national\s+insurance|badge|reference"
)
_IDENTIFIERS = (
    r"\b\d{1,3}[- ]?(?:years?|yrs?)[- ]old\b(?!s)",
    r"\b\d{1,3}\s?(?:y/o|yo|y\.o\.)(?!\w)",
    # Not "at age 48" or "died aged 36": when something happened in a life story.
    r"(?<!\bat )(?<!died )(?<!dying )\bage(?:d|\s*:)?\s*\d{1,3}\b",
    # "account no. 4471", "employee ID E-4471", "case #22-118", "MRN: 1234567".
    rf"\b(?:{_NUMBERED})\s*(?:no\b\.?|number|num\b|#|id\b|ref\b)\s*[:#.]?\s*"
    r"(?=[A-Z0-9/-]*\d)[A-Z0-9][A-Z0-9/-]{2,}",
    r"(?:\b(?-i:MRN|ID)|\bref)\s*[:#.]?\s*(?=[A-Z0-9-]*\d)[A-Z0-9-]{3,}",
    r"\b(?:room|rm|bed|bay|ward|cubicle)\s*(?:no\b\.?|number|#)?\s*[:#]?\s*\d{1,4}[A-Z]?\b",
    r"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s?date)\s*[:-]?\s*\d",
)
# A measurement: one to three digits, not a year ("BP 2010" is the oil company).
_VALUE = r"\s*(?:level\s*)?(?:of|is|was|at|:|=)?\s*\d{1,3}(?:[./]\d+)?(?!\d)"
_RECORDS = (
    # A clinical note.
    r"\b(?:presents|presenting)\s+with\b|\bpresenting\s+complaint\b"
    r"|\bpresented\s+to\s+(?:the\s+)?(?:A&E|ED|ER|emergency|hospital|clinic|GP|surgery)\b"
    r"|\badmitted\s+(?:with|on|via|overnight|for\s+observation"
    r"|to\s+(?:the\s+)?(?:ward|ICU|HDU|CCU|A&E|ED|ER))\b"
    r"|\bdischarged\s+(?:home|on|today|yesterday|with)\b"
    r"|\b(?:vitals|vital\s+signs|obs\s*:|on\s+examination|(?-i:O/E|PMH|HPI|C/O)"
    r"|past\s+medical\s+history|chief\s+complaint)"
    r"|\b(?:BP|HR|RR|SpO2|sats|temp|GCS|pulse|troponin|creatinine|e?GFR|Hb|Hgb|HbA1c"
    r"|potassium|sodium|CRP|WBC|INR|glucose|lactate|ALT|AST|bilirubin|TSH|PSA|ferritin"
    rf"|platelets|D-dimer|BNP)\b{_VALUE}",
    # An HR case.
    r"\bdisciplinary\s+(?:hearing|meeting|action|procedure|process|panel|investigation"
    r"|outcome)\b|\bgrievance\s+(?:hearing|meeting|procedure|process|letter|against)\b"
    r"|\b(?:raised|lodged|filed)\s+a\s+(?:formal\s+)?grievance\b"
    r"|\b(?:written|final|formal)\s+warning\b|\bperformance\s+improvement\s+plan\b"
    r"|(?-i:\bPIP\b)|\bgross\s+misconduct\b|\b(?:unfair|summary|constructive)\s+dismissal\b"
    r"|\bdismissal\s+(?:letter|meeting|hearing|notice|appeal|for|after|following)\b"
    r"|\bdismissed\s+(?:for|after|following)\b|\bsuspended\s+(?:on\s+full\s+pay|pending)\b"
    r"|\breturn[- ]to[- ]work\s+(?:meeting|interview)\b"
    r"|\b(?:capability|absence|probation(?:ary)?)\s+(?:hearing|review|meeting)\b",
    # A statement of account.
    r"\bstatement\s+of\s+account\b|\baccount\s+statement\b"
    r"|\b(?:closing|opening|outstanding|available)\s+balance\b"
    r"|\bbalance\s+(?:due|owing|outstanding|brought\s+forward|of\s+[£$€]?\d)"
    r"|\bamount\s+(?:due|owing|overdue)\b|\bminimum\s+payment\b"
    r"|\b(?:arrears|overdue)\s+of\s+[£$€]?\d|\boverdrawn\s+by\b|\bcredit\s+limit\b"
    r"|\bsort\s+code\b|\bdirect\s+debit\b|\bmissed\s+(?:re)?payments?\b",
)

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_WORD_PAIR = re.compile(r"\w\w")
_LEADING_WORD = re.compile(r"\A\w+")
_TRAILING_WORD = re.compile(r"\w+\Z")


@dataclass(frozen=True)
class _Rule:
    kind: Kind
    place: Place
    pattern: re.Pattern[str]


class DataSubjects:
    """Whether a named person is marked as a private individual: by the policy's role
    words (`data_subject_roles`) and the fixed relations, identifiers and records."""

    def __init__(self, roles: Iterable[str]) -> None:
        words = _alternation(form for role in roles for form in (role, _plural(role)))
        # "of" and a capital after a role is an institution, a public office or
        # membership: "a member of Parliament", "a student of Plato".
        role = rf"(?:{words})\b(?!\s+of\s+(?:the\s+)?(?-i:[A-Z]))" if words else r"(?!)"
        related = rf"\b{_POSSESSIVE}\s+(?:[\w-]+\s+)?(?:{_alternation(RELATIONS)})s?\b"
        determined = rf"(?:{_DETERMINER}\s+(?:[\w'-]+\s+){{0,2}}?)?"
        rules: list[tuple[Kind, Place, str]] = [
            ("role", "before", rf"\b{role}{_TIED_BEFORE}"),
            ("role", "head", rf"{role}\s+\S"),
            ("role", "after", rf"{_TIED_AFTER}{determined}{role}"),
            ("relation", "before", rf"{related}{_TIED_BEFORE}"),
            ("relation", "after", rf"{_TIED_AFTER}{related}"),
            ("record", "before", rf"\b(?:{_FIELD_LABELS})\s*:\s*{_TITLE}\Z"),
            *(("identifier", "after", pattern) for pattern in _AGES_AFTER),
            *(("identifier", "near", pattern) for pattern in _IDENTIFIERS),
            *(("record", "near", pattern) for pattern in _RECORDS),
        ]
        self._markers = [_Rule(k, p, re.compile(r, re.IGNORECASE)) for k, p, r in rules]

    def marker(self, text: str, start: int, end: int) -> Kind | None:
        """What marks the person named at text[start:end] as private, if anything."""
        before, after = window(text, start, end)
        name = text[start:end]
        for rule in self._markers:
            if rule.place == "before":
                found = rule.pattern.search(before)
            elif rule.place == "head":
                found = rule.pattern.match(name)
            elif rule.place == "after":
                found = rule.pattern.match(after)
            else:
                found = rule.pattern.search(before) or rule.pattern.search(after)
            if found:
                return rule.kind
        return None

    def marked(self, text: str, start: int, end: int) -> bool:
        return self.marker(text, start, end) is not None


# Capitalised words that follow a role word and name a thing, not a person:
# "Customer Service", "Student Loans", "Patient Zero", "Member States".
_NOT_NAMES = (
    "Service|Services|Support|Success|Care|Portal|Account|Accounts|Record|Records|Number"
    "|Numbers|ID|Handbook|Union|Council|Zero|Experience|Satisfaction|Relations|Data"
    "|Information|Secret|Key|Benefits|Assistance|Advocate|Advocacy|Loan|Loans|Finance"
    "|Visa|Visas|States|State|Agreement|Charter|Management|Relationship|Journey|Feedback"
    "|Survey|Insights|Engagement|Identity|Login|Database|Directory|List|Lists|Guide"
    "|Policy|Policies|Affairs|Association|Body|Center|Centre|Hub|Office|Team|Teams"
    "|Safety|Rights|Protection|Manual|Registration|Enrollment|Enrolment|Application"
    "|Applications|Tracker|App|Access|Area|Zone|Mode|Day|Week|Month|Year|Edition|Version"
    "|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March"
    "|April|May|June|July|August|September|October|November|December"
)
# "Singh", "O'Neill", "McDonald", "Adebayo-Cole", "D'Angelo".
_NAME_WORD = r"[A-Z](?:'[A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:[-'][A-Z]?[a-z]+)?"
NAMED_SUBJECT_SCORE = 0.7
_LETTERS = re.compile(r"[^\W\d_]+")


def named_subjects(roles: Iterable[str]) -> PatternRecognizer:
    """A capitalised name right after a data-subject role ("Patient Arijit Singh",
    "employee: Dana Whitfield", "our tenant, Mr Ortiz") is a person, whether or not
    spaCy's NER or the given-name list knows the name: the role says someone is
    named. Reported as PERSON, so the combinations apply as to any name."""
    forms = [form for role in roles for form in (role, _plural(role))]
    words = _alternation(forms)
    regex = (
        rf"(?i:\b(?:{words}))(?:[ \t]*[:#,\-\u2013\u2014][ \t]*|[ \t]+(?i:(?:named|called)[ \t]+)?)"
        # Presidio compiles patterns case-insensitively: the name is matched as written.
        rf"(?-i:(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?[ \t]+)?(?!(?:{_NOT_NAMES})\b){_NAME_WORD}"
        rf"(?:[ \t]+(?!(?:{_NOT_NAMES})\b){_NAME_WORD}){{0,2}})"
    )
    recognizer = NamedSubjectRecognizer(
        frozenset(w.lower() for form in forms for w in _LETTERS.findall(form)[:1]),
        supported_entity="PERSON",
        name="NamedDataSubjectRecognizer",
        patterns=[Pattern("role and name", regex, NAMED_SUBJECT_SCORE)],
    )
    # Every match starts at a role word: only those words' starts are tried.
    gate_word_alternation(recognizer, forms)
    return recognizer


class NamedSubjectRecognizer(PatternRecognizer):
    """Skips, in one C-level pass, a text in which no role word begins: most prompts."""

    def __init__(self, first_words: frozenset[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._first_words = first_words

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        if self._first_words.isdisjoint(_LETTERS.findall(text.lower())):
            return []
        found: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return found


def window(text: str, start: int, end: int) -> tuple[str, str]:
    """The text before and after text[start:end] that markers are looked for in: up to
    WINDOW characters each way, not past a blank line, no word cut by the limit."""
    lo, hi = max(0, start - WINDOW), min(len(text), end + WINDOW)
    before, after = text[lo:start], text[end:hi]
    blanks = list(_BLANK_LINE.finditer(before))
    if blanks:
        before = before[blanks[-1].end() :]
    elif lo > 0 and _WORD_PAIR.match(text, lo - 1):
        before = _LEADING_WORD.sub("", before)
    blank = _BLANK_LINE.search(after)
    if blank:
        after = after[: blank.start()]
    elif hi < len(text) and _WORD_PAIR.match(text, hi - 1):
        after = _TRAILING_WORD.sub("", after)
    return before, after


def _alternation(words: Iterable[str]) -> str:
    """Longest first, a space matching any whitespace: "account holder" before "account"."""
    unique = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in unique)


def _plural(word: str) -> str:
    """The plural a role is also written in: "patients", "beneficiaries"."""
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u", ""):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")
