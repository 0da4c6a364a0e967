"""The recognizer set: Presidio's predefined recognizers that matter here, the secret
recognizers, and whatever the policy adds (regexes and deny-lists)."""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    AbaRoutingRecognizer,
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    MedicalLicenseRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkNinoRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
)
from tldextract import TLDExtract

from gateway.classify.gates import gate_digits, gate_word_alternation, has_digit
from gateway.classify.lexicons import lexicon_recognizers
from gateway.classify.medication import MedicationRecognizer
from gateway.classify.names import GivenNameRecognizer, given_name_recognizer
from gateway.classify.national_ids import national_id_recognizers
from gateway.classify.options import SensitivityOptions
from gateway.classify.secrets import secret_recognizers
from gateway.classify.subjects import named_subjects

_AT = re.compile("@")
_LOCAL_REACH = 256
_DOMAIN_REACH = 320
_WINDOW = 1_024


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer validates the domain against the public suffix
    list, which tldextract fetches from the internet by default. This one uses the
    snapshot bundled with tldextract: no network, at start-up or per request."""

    def __init__(self) -> None:
        super().__init__()
        self._extract = TLDExtract(suffix_list_urls=(), cache_dir=None)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[Any]:
        """Searches only around each "@": Presidio's pattern backtracks without bound on
        a long dotted run before an "@" ("a.a.a…@": a minute for 20,000 characters).
        An address is at most 64 characters before its "@" and 255 after; the windows
        reach further, and are at most _WINDOW long (merged without a bound, they would
        be the whole text again)."""
        found: dict[tuple[int, int], Any] = {}
        for start, end in _windows(text):
            window = text[start:end]
            for result in super().analyze(window, entities, None, regex_flags):
                result.start += start
                result.end += start
                found.setdefault((result.start, result.end), result)
        return list(found.values())

    def validate_result(self, pattern_text: str) -> bool:
        # The domain is what follows the "@": the match can begin with a URL whose host
        # has no public suffix ("crm.example/u?email=maria@gmail.com"), and tldextract
        # reads a whole URL by its host.
        return self._extract(pattern_text.rpartition("@")[2]).fqdn != ""


def _windows(text: str) -> list[tuple[int, int]]:
    """Ranges around the text's "@"s: near ones share a range of at most _WINDOW
    characters (a range per "@" would cost a search each in "a@a@a@…")."""
    ranges: list[tuple[int, int]] = []
    for at in _AT.finditer(text):
        start, end = max(0, at.start() - _LOCAL_REACH), at.start() + _DOMAIN_REACH
        if ranges and end - ranges[-1][0] <= _WINDOW:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


class StrictPhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer, minus bare digit runs ("1234567890"), which are far
    more often quantities or ids than phone numbers written by a person."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if not has_digit(text):
            # phonenumbers' matcher needs a run of decimal digits (Python's `\d`,
            # which the regex module's `\d` in has_digit covers): without one
            # there is nothing to find.
            return []
        results = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if not text[r.start : r.end].isdigit()]


def predefined_recognizers() -> list[EntityRecognizer]:
    return [
        CreditCardRecognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        UsItinRecognizer(),
        UsPassportRecognizer(),
        UsLicenseRecognizer(),
        UsBankRecognizer(),
        AbaRoutingRecognizer(),
        UkNinoRecognizer(),
        NhsRecognizer(),
        MedicalLicenseRecognizer(),
        StrictPhoneRecognizer(),
        OfflineEmailRecognizer(),
        given_name_recognizer(),
        GivenNameRecognizer(),
        MedicationRecognizer(),
        *national_id_recognizers(),
    ]


def policy_recognizers(options: SensitivityOptions) -> list[EntityRecognizer]:
    found: list[EntityRecognizer] = []
    for regex in options.regex_recognizers:
        found.append(
            PatternRecognizer(
                supported_entity=regex.entity,
                name=f"policy:{regex.entity}",
                patterns=[Pattern(p.name, p.regex, p.score) for p in regex.patterns],
                context=regex.context,
            )
        )
    for deny in options.deny_lists:
        recognizer = PatternRecognizer(
            supported_entity=deny.entity,
            name=f"policy-deny:{deny.entity}",
            deny_list=deny.terms,
            deny_list_score=deny.score,
        )
        # Presidio's deny-list pattern (its only one) matches a whole term after a
        # non-word character: only words that begin a term are tried.
        gate_word_alternation(recognizer, deny.terms)
        found.append(recognizer)
    return found


def all_recognizers(options: SensitivityOptions) -> list[EntityRecognizer]:
    found = [
        *predefined_recognizers(),
        *secret_recognizers(),
        *policy_recognizers(options),
        named_subjects(options.data_subject_roles),
        # The other covered languages' health, HR and money terms and references to
        # people: English's are the policy's own lists above.
        *lexicon_recognizers(options.languages),
    ]
    for recognizer in found:
        if isinstance(recognizer, PatternRecognizer):
            # Most prompts hold no digit: the patterns that need one skip them.
            gate_digits(recognizer)
    return found
