"""The European national-id recognizers: each identifier is found when its checksum
holds (bare digits only when their name is near), never when it does not, never
inside a longer run, never in the evaluation set's non-sensitive prompts; and the
patterns are linear by construction.

Valid numbers are generated here from each algorithm as published, written apart from
the module, so that the two implementations check each other."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from string import ascii_uppercase
from typing import Any

import pytest
from presidio_analyzer import PatternRecognizer

from gateway.classify import re_compat
from gateway.classify.evaluate import EVAL_DATA
from gateway.classify.extract import Segment
from gateway.classify.gates import patterns
from gateway.classify.national_ids import (
    ALONE_SCORE,
    CHECKSUM_SCORE,
    ChecksumRecognizer,
    national_id_recognizers,
)
from gateway.classify.recognizers import predefined_recognizers
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level
from gateway.policy.loader import load_classifier_options
from tests.conftest import DEFAULT_POLICY

ENTITIES = ("DE_TAX_ID", "FR_NIR", "ES_NIF", "IT_FISCAL_CODE", "NL_BSN", "PT_NIF", "EU_VAT")
DIGITS = "0123456789"
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


@pytest.fixture(scope="module")
def recognizers() -> list[ChecksumRecognizer]:
    found = national_id_recognizers()
    assert all(isinstance(r, ChecksumRecognizer) for r in found)
    return found  # type: ignore[return-value]


def found(recognizers: list[ChecksumRecognizer], text: str) -> list[tuple[str, str, float]]:
    """(entity, matched text, score) for each finding of the new recognizers."""
    return [
        (result.entity_type, text[result.start : result.end], result.score)
        for recognizer in recognizers
        for result in recognizer.analyze(text, recognizer.supported_entities)
    ]


def entities(recognizers: list[ChecksumRecognizer], text: str) -> set[str]:
    return {entity for entity, _, _ in found(recognizers, text)}


# --- the algorithms, as published ----------------------------------------------------


def mod_11_10_check(digits: str) -> str:
    """ISO 7064 MOD 11,10."""
    product = 10
    for digit in digits:
        total = (int(digit) + product) % 10
        if total == 0:
            total = 10
        product = (2 * total) % 11
    check = 11 - product
    return "0" if check == 10 else str(check)


def luhn_check(payload: str) -> str:
    """The digit that makes `payload` + digit a Luhn number."""
    total = 0
    for position, digit in enumerate(reversed(payload)):
        doubled = int(digit) * 2 if position % 2 == 0 else int(digit)
        total += doubled // 10 + doubled % 10
    return str((10 - total % 10) % 10)


def de_tax_id_complete(body: str) -> str:
    return body + mod_11_10_check(body)


def de_tax_id(rnd: random.Random) -> str:
    """Ten digits, one of them twice and the others at most once, not starting with 0."""
    while True:
        kept = rnd.sample(DIGITS, 9)
        body = [*kept, rnd.choice(kept)]
        rnd.shuffle(body)
        if body[0] != "0":
            return de_tax_id_complete("".join(body))


def nir_complete(body: str) -> str:
    numeric = body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:]
    return body + f"{97 - int(numeric) % 97:02d}"


def nir(rnd: random.Random, corsica: bool = False) -> str:
    department = rnd.choice(["2A", "2B"]) if corsica else f"{rnd.randint(1, 95):02d}"
    return nir_complete(
        rnd.choice("12")
        + f"{rnd.randrange(100):02d}{rnd.randint(1, 12):02d}"
        + department
        + f"{rnd.randint(1, 999):03d}{rnd.randint(1, 999):03d}"
    )


def spaced_nir(value: str) -> str:
    groups = (value[0], value[1:3], value[3:5], value[5:7], value[7:10], value[10:13])
    return " ".join((*groups, value[13:]))


def es_complete(body: str) -> str:
    number = str("XYZ".index(body[0])) + body[1:] if body[0] in "XYZ" else body
    return body + DNI_LETTERS[int(number) % 23]


def dni(rnd: random.Random) -> str:
    return es_complete(f"{rnd.randrange(10**8):08d}")


def nie(rnd: random.Random) -> str:
    return es_complete(rnd.choice("XYZ") + f"{rnd.randrange(10**7):07d}")


# The official table for characters in odd positions (1st, 3rd, ...): 0-9 count as A-J.
# fmt: off
CF_ODD = dict(zip(ascii_uppercase, (
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
), strict=True))
# fmt: on
CF_ODD |= {digit: CF_ODD[ascii_uppercase[int(digit)]] for digit in DIGITS}
CF_EVEN = {c: i for i, c in enumerate(ascii_uppercase)} | {d: int(d) for d in DIGITS}
CF_DIGIT_POSITIONS = (14, 13, 12, 10, 9, 7, 6)  # in the order omocodia replaces them


def cf_complete(body: str) -> str:
    total = sum(CF_ODD[c] if i % 2 == 0 else CF_EVEN[c] for i, c in enumerate(body))
    return body + ascii_uppercase[total % 26]


def fiscal_code(rnd: random.Random, female: bool = False, omocodia: int = 0) -> str:
    def letters(n: int) -> str:
        return "".join(rnd.choice(ascii_uppercase) for _ in range(n))

    day = rnd.randint(1, 28) + (40 if female else 0)
    body = list(
        letters(6)
        + f"{rnd.randrange(100):02d}"
        + rnd.choice("ABCDEHLMPRST")
        + f"{day:02d}"
        + letters(1)
        + f"{rnd.randrange(1000):03d}"
    )
    for position in CF_DIGIT_POSITIONS[:omocodia]:
        body[position] = "LMNPQRSTUV"[int(body[position])]
    return cf_complete("".join(body))


def bsn_complete(body: str) -> str:
    remainder = sum(w * int(d) for w, d in zip(range(9, 1, -1), body, strict=True)) % 11
    return body + str(remainder)  # 10 is no digit: such a body has no BSN


def bsn(rnd: random.Random) -> str:
    while True:
        value = bsn_complete(f"{rnd.randrange(1, 10**8):08d}")
        if len(value) == 9:
            return value


def pt_complete(body: str) -> str:
    remainder = sum((9 - i) * int(d) for i, d in enumerate(body)) % 11
    return body + ("0" if remainder < 2 else str(11 - remainder))


def pt_nif(rnd: random.Random, prefix: str | None = None) -> str:
    prefix = prefix or rnd.choice(["1", "2", "3", "5", "6", "8", "9", "45", "71", "79"])
    return pt_complete(prefix + "".join(rnd.choice(DIGITS) for _ in range(8 - len(prefix))))


def vat_de_complete(body: str) -> str:
    return body + mod_11_10_check(body[2:])


def vat_fr(rnd: random.Random) -> str:
    payload = f"{rnd.randrange(1, 10**8):08d}"
    siren = payload + luhn_check(payload)
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def vat_it_complete(body: str) -> str:
    return body + luhn_check(body[2:])


def vat_it(rnd: random.Random) -> str:
    return vat_it_complete(f"IT{rnd.randrange(1, 10**7):07d}{rnd.randint(1, 100):03d}")


def cif_control(digits: str) -> int:
    even = sum(int(d) for d in digits[1::2])
    odd = sum(sum(divmod(2 * int(d), 10)) for d in digits[::2])
    return (10 - (even + odd) % 10) % 10


def vat_es_cif(rnd: random.Random) -> str:
    # A (public limited) and B (limited) companies end in a digit; P, Q, S in a letter.
    kind = rnd.choice("ABPQS")
    digits = f"{rnd.randrange(10**7):07d}"
    control = cif_control(digits)
    return f"ES{kind}{digits}" + (str(control) if kind in "AB" else "JABCDEFGHI"[control])


def vat_be_complete(body: str) -> str:
    return body + f"{97 - int(body[2:]) % 97:02d}"


def make_vat_be(rnd: random.Random) -> str:
    return vat_be_complete(f"BE0{rnd.randrange(10**7):07d}")


def vat_at_complete(body: str) -> str:
    total = 0
    for position, digit in enumerate(body[3:]):
        product = int(digit) * (2 if position % 2 else 1)
        total += product // 10 + product % 10
    return body + str((10 - (total + 4) % 10) % 10)


def completes(complete: Callable[[str], str], check_length: int) -> Callable[[str], bool]:
    """A validity test from a completion: the value is its body and that body's check
    (only the check: the DE tax ID's repetition rule is not in it, and such a number
    counts as valid here, which only makes the invalid-number tests skip it)."""
    return lambda value: complete(value[:-check_length]) == value


def vat_nl_valid(value: str) -> bool:
    """NL, 9 digits, "B", 2 digits: the 11-proef, or mod 97 on the whole string."""
    if value[11:12] != "B" or int(value[12:]) == 0:
        return False
    as_digits = "".join(str(ascii_uppercase.index(c) + 10) if c.isalpha() else c for c in value)
    return bsn_complete(value[2:10]) == value[2:11] or int(as_digits) % 97 == 1


@dataclass(frozen=True)
class Kind:
    """One identifier: how to make a valid one, whether a value is valid, where its
    check character is, and a sentence that names it."""

    entity: str
    make: Callable[[random.Random], str]
    valid: Callable[[str], bool]
    sentence: str
    check_at: int = -1


KINDS = (
    Kind("DE_TAX_ID", de_tax_id, completes(de_tax_id_complete, 1), "Meine Steuer-ID lautet {}."),
    Kind("FR_NIR", nir, completes(nir_complete, 2), "Mon numéro de sécurité sociale : {}."),
    Kind("ES_NIF", dni, completes(es_complete, 1), "Mi DNI es {}."),
    Kind("ES_NIF", nie, completes(es_complete, 1), "Mi NIE es {}."),
    Kind("IT_FISCAL_CODE", fiscal_code, completes(cf_complete, 1), "Il codice fiscale è {}."),
    Kind("NL_BSN", bsn, completes(bsn_complete, 1), "Mijn BSN is {}."),
    Kind("PT_NIF", pt_nif, completes(pt_complete, 1), "O meu NIF é {}."),
    Kind(
        "EU_VAT",
        lambda r: vat_de_complete(f"DE{r.randint(1, 9)}{r.randrange(10**7):07d}"),
        completes(vat_de_complete, 1),
        "USt-IdNr. {}",
    ),
    Kind("EU_VAT", lambda r: f"NL{bsn(r)}B01", vat_nl_valid, "BTW-nummer {}", check_at=-4),
    Kind("EU_VAT", vat_it, completes(vat_it_complete, 1), "Partita IVA {}"),
    Kind(
        "EU_VAT",
        make_vat_be,
        completes(vat_be_complete, 2),
        "TVA {}",
    ),
    Kind(
        "EU_VAT",
        lambda r: vat_at_complete(f"ATU{r.randrange(10**7):07d}"),
        completes(vat_at_complete, 1),
        "UID-Nummer {}",
    ),
    Kind(
        "EU_VAT",
        lambda r: "PT" + pt_nif(r, "5"),
        lambda v: v[:2] == "PT" and completes(pt_complete, 1)(v[2:]),
        "{}",
    ),
)


def samples(kind: Kind, count: int = 6) -> list[str]:
    rnd = random.Random(kind.entity + kind.sentence)
    return [kind.make(rnd) for _ in range(count)]


def kind_id(kind: Kind) -> str:
    return f"{kind.entity}:{kind.sentence.split()[0]}"


# --- valid numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "text", "value"),
    [
        # Published examples and specimens.
        ("ES_NIF", "DNI 12345678Z", "12345678Z"),
        ("ES_NIF", "NIE X1234567L", "X1234567L"),
        ("IT_FISCAL_CODE", "CF RSSMRA85T10A562S", "RSSMRA85T10A562S"),
        ("IT_FISCAL_CODE", "CF RCCMNL83S18D969H", "RCCMNL83S18D969H"),
        ("IT_FISCAL_CODE", "CF CNTCHR83T41D969D", "CNTCHR83T41D969D"),
        ("NL_BSN", "BSN 111222333", "111222333"),
        ("NL_BSN", "BSN 123456782", "123456782"),
        ("FR_NIR", "NIR 2 55 08 14 168 025 38", "2 55 08 14 168 025 38"),
        ("DE_TAX_ID", "IdNr 86095742719", "86095742719"),
        ("DE_TAX_ID", "IdNr 47036892816", "47036892816"),
        # A digit three times, two of them in a row (allowed since 2016).
        ("DE_TAX_ID", "IdNr 65929970489", "65929970489"),
        ("PT_NIF", "NIF 501964843", "501964843"),
        ("EU_VAT", "VAT DE136695976", "DE136695976"),
        ("EU_VAT", "VAT FR40303265045", "FR40303265045"),
        ("EU_VAT", "VAT IT00743110157", "IT00743110157"),
        ("EU_VAT", "VAT NL004495445B01", "NL004495445B01"),
        ("EU_VAT", "VAT BE0403019261", "BE0403019261"),
        ("EU_VAT", "VAT ATU13585627", "ATU13585627"),
        ("EU_VAT", "VAT PT501964843", "PT501964843"),
        ("EU_VAT", "VAT ESA13585625", "ESA13585625"),
        ("EU_VAT", "VAT ESX1234567L", "ESX1234567L"),
        ("EU_VAT", "VAT DK13585628", "DK13585628"),
        ("EU_VAT", "VAT FI20774740", "FI20774740"),
        ("EU_VAT", "VAT PL8567346215", "PL8567346215"),
        ("EU_VAT", "VAT SE123456789701", "SE123456789701"),
        ("EU_VAT", "VAT LU15027442", "LU15027442"),
    ],
)
def test_published_examples_are_found(
    recognizers: list[ChecksumRecognizer], entity: str, text: str, value: str
) -> None:
    assert found(recognizers, text) == [(entity, value, CHECKSUM_SCORE)]


@pytest.mark.parametrize("kind", KINDS, ids=kind_id)
def test_generated_numbers_are_found(recognizers: list[ChecksumRecognizer], kind: Kind) -> None:
    for value in samples(kind):
        assert kind.valid(value), value
        text = kind.sentence.format(value)
        assert (kind.entity, value, CHECKSUM_SCORE) in found(recognizers, text), text


@pytest.mark.parametrize(
    ("entity", "make", "written"),
    [
        ("DE_TAX_ID", de_tax_id, lambda v: f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:]}"),
        ("FR_NIR", nir, spaced_nir),
        ("FR_NIR", lambda r: nir(r, corsica=True), spaced_nir),
        ("FR_NIR", lambda r: nir(r, corsica=True), str),
        ("ES_NIF", dni, lambda v: f"{v[:8]}-{v[8]}"),
        ("ES_NIF", dni, lambda v: f"{v[:8]} {v[8]}"),
        ("ES_NIF", dni, lambda v: v.lower()),
        ("ES_NIF", nie, lambda v: f"{v[0]}-{v[1:8]}-{v[8]}"),
        ("IT_FISCAL_CODE", lambda r: fiscal_code(r, female=True), str),
        ("IT_FISCAL_CODE", lambda r: fiscal_code(r, omocodia=1), str),
        ("IT_FISCAL_CODE", lambda r: fiscal_code(r, omocodia=3), str),
        ("IT_FISCAL_CODE", fiscal_code, str.lower),
        ("NL_BSN", bsn, lambda v: f"{v[:4]}.{v[4:6]}.{v[6:]}"),
        ("NL_BSN", bsn, lambda v: f"{v[:3]} {v[3:6]} {v[6:]}"),
        ("PT_NIF", pt_nif, lambda v: f"{v[:3]} {v[3:6]} {v[6:]}"),
        ("EU_VAT", vat_fr, lambda v: f"{v[:2]} {v[2:4]} {v[4:7]} {v[7:10]} {v[10:]}"),
        ("EU_VAT", vat_it, str),
        ("EU_VAT", vat_es_cif, str),
        ("EU_VAT", vat_es_cif, lambda v: f"{v[:2]}-{v[2:]}"),
        ("EU_VAT", make_vat_be, lambda v: f"{v[:2]} {v[2:6]}.{v[6:9]}.{v[9:]}"),
    ],
)
def test_the_usual_ways_of_writing_them_are_found(
    recognizers: list[ChecksumRecognizer],
    entity: str,
    make: Callable[[random.Random], str],
    written: Callable[[str], str],
) -> None:
    context = {
        "DE_TAX_ID": "Steuer-ID",
        "FR_NIR": "n° de sécu",
        "NL_BSN": "BSN",
        "PT_NIF": "contribuinte",
    }
    rnd = random.Random(entity)
    for _ in range(5):
        value = written(make(rnd))
        text = f"{context.get(entity, 'id')}: {value}, ok"
        assert found(recognizers, text) == [(entity, value, CHECKSUM_SCORE)], text


# --- invalid numbers -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=kind_id)
def test_a_changed_digit_is_not_reported(recognizers: list[ChecksumRecognizer], kind: Kind) -> None:
    tried = 0
    for value in samples(kind):
        for position, char in enumerate(value):
            if not char.isdigit():
                continue
            changed = value[:position] + str((int(char) + 1) % 10) + value[position + 1 :]
            if kind.valid(changed):  # the check happens to hold again
                continue
            tried += 1
            text = kind.sentence.format(changed)
            assert kind.entity not in entities(recognizers, text), text
    assert tried > 20


@pytest.mark.parametrize("kind", KINDS, ids=kind_id)
def test_a_wrong_check_is_not_reported(recognizers: list[ChecksumRecognizer], kind: Kind) -> None:
    for value in samples(kind, 3):
        at = len(value) + kind.check_at
        alphabet = DIGITS if value[at].isdigit() else ascii_uppercase
        for wrong in alphabet:
            changed = value[:at] + wrong + value[at + 1 :]
            if not kind.valid(changed):
                text = kind.sentence.format(changed)
                assert kind.entity not in entities(recognizers, text), text


@pytest.mark.parametrize("kind", KINDS, ids=kind_id)
def test_a_wrong_length_is_not_reported(recognizers: list[ChecksumRecognizer], kind: Kind) -> None:
    for value in samples(kind, 3):
        # A digit more or less in the middle (the end may be a letter).
        middle = len(value) // 2
        for wrong in (value[:middle] + value[middle + 1 :], value[:middle] + "7" + value[middle:]):
            text = kind.sentence.format(wrong)
            assert kind.entity not in entities(recognizers, text), text


@pytest.mark.parametrize(
    "text",
    [
        "NIR 1 84 12 75 115 423 57",  # the key of that NIR is 22
        "NIR 3 84 13 75 115 423 22",  # month 13
        "NIR 5 84 12 75 115 423 22",  # no such sex digit
        "Steuer-ID 12345678903",  # no digit repeated
        "Steuer-ID 11145678905",  # a digit three times in a row
        "Steuer-ID 01234567899",  # starts with 0
        "DNI 12345678A",
        "CF RSSMRA85T10A562T",
        "CF RSSMRA85T32A562S",  # 32 October
        "CF RSSMRA85X10A562S",  # no month X
        "BSN 000000000",
        "BSN 111222334",
        "NIF 401964843",  # no NIF starts with 4 but 45
        "VAT DE036695976",
        "VAT FR40303265046",
        "VAT IT00743110158",
        "VAT IT00743111157",  # office 111
        "VAT NL004495445B00",
        "VAT ATU13585628",
        "VAT BE0403019262",
        "VAT ESK1234567A",
        "VAT XX123456789",
    ],
)
def test_invalid_examples_are_not_reported(
    recognizers: list[ChecksumRecognizer], text: str
) -> None:
    assert found(recognizers, text) == []


# --- context ---------------------------------------------------------------------------


DIGITS_ONLY = {
    "DE_TAX_ID": (
        "86095742719",
        [
            "Steuer-ID",
            "Steuer-IdNr.",
            "IdNr",
            "Steuer-ID-Nummer",
            "Steueridentifikationsnummer",
            "Steuer-Identifikationsnummer",
            "steuerliche Identifikationsnummer",
            "Identifikationsnummer (IdNr)",
            "STEUER ID",
            "tax ID",
            "tax identification number",
            "TIN",
        ],
    ),
    "NL_BSN": (
        "111222333",
        [
            "BSN",
            "bsn-nummer",
            "Burgerservicenummer",
            "burger service nummer",
            "sofinummer",
            "sofi-nummer",
            "citizen service number",
        ],
    ),
    "PT_NIF": (
        "501964843",
        [
            "NIF",
            "NIF/NIPC",
            "contribuinte",
            "número de contribuinte",
            "nº de contribuinte",
            "número de identificação fiscal",
            "numero de identificacao fiscal",
            "taxpayer number",
            "tax ID",
            "TIN",
        ],
    ),
}


@pytest.mark.parametrize(
    ("entity", "word"),
    [(entity, word) for entity, (_, words) in DIGITS_ONLY.items() for word in words],
)
def test_digits_only_count_after_a_word_that_names_them(
    recognizers: list[ChecksumRecognizer], entity: str, word: str
) -> None:
    value = DIGITS_ONLY[entity][0]
    assert found(recognizers, f"{word}: {value}") == [(entity, value, CHECKSUM_SCORE)]
    assert found(recognizers, f"The {word} on file is {value}.") == [
        (entity, value, CHECKSUM_SCORE)
    ]


@pytest.mark.parametrize("entity", DIGITS_ONLY)
def test_digits_only_are_not_reported_without_their_name(
    recognizers: list[ChecksumRecognizer], entity: str
) -> None:
    value, words = DIGITS_ONLY[entity]
    for text in (
        value,
        f"Order {value} shipped",
        f"Bestellnummer {value}",
        f"Ticket #{value} was closed",
        f"Referentie: {value}",
        # The name too far before it.
        f"{words[0]} is asked for below. " + "Then the form wants a reference: " + value,
        # The name after it.
        f"{value} ({words[0]})",
    ):
        assert entity not in entities(recognizers, text), text


def test_a_context_word_must_be_a_word(recognizers: list[ChecksumRecognizer]) -> None:
    assert found(recognizers, "Latin 86095742719") == []
    assert found(recognizers, "Dentin 501964843") == []
    assert found(recognizers, "BSNL 111222333") == []
    # The VAT number's "USt-IdNr." is no tax ID's name.
    assert found(recognizers, "USt-IdNr. 86095742719") == []


def test_a_nir_counts_alone_but_lower(recognizers: list[ChecksumRecognizer]) -> None:
    value = "2 55 08 14 168 025 38"
    assert found(recognizers, f"ref {value}") == [("FR_NIR", value, ALONE_SCORE)]
    assert found(recognizers, "ref 255081416802538") == [("FR_NIR", "255081416802538", ALONE_SCORE)]
    for word in ("sécurité sociale", "securite sociale", "NIR", "INSEE", "carte Vitale"):
        assert found(recognizers, f"{word} : {value}") == [("FR_NIR", value, CHECKSUM_SCORE)]
    assert found(recognizers, f"social security number {value}") == [
        ("FR_NIR", value, CHECKSUM_SCORE)
    ]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("see 12345678Z", "ES_NIF", "12345678Z"),
        ("ref X1234567L.", "ES_NIF", "X1234567L"),
        ("for RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
        ("IT00743110157", "EU_VAT", "IT00743110157"),
    ],
)
def test_shapes_with_letters_count_alone(
    recognizers: list[ChecksumRecognizer], text: str, entity: str, value: str
) -> None:
    assert found(recognizers, text) == [(entity, value, CHECKSUM_SCORE)]


# --- boundaries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Steuer-ID 860957427190",  # a longer run
        "Steuer-ID 186095742719",
        "Steuer-ID A86095742719",
        "Steuer-ID 86095742719B",
        "Steuer-ID 86 095 742 719 12",  # a longer grouped number
        "DNI X12345678Z",
        "DNI 12345678Z9",
        "DNI 912345678Z",
        "ID_12345678Z",
        "CF XRSSMRA85T10A562S",
        "CF RSSMRA85T10A562SX",
        "VAT XDE136695976",
        "VAT DE1366959761",
        "VAT de136695976",  # prefixes are upper case
        "BSN 1111222333",
        "BSN 11122233",
        # A phone number's tail is no NIF, whatever is named before it.
        "NIF pedido, ligue +351 501964843",
        "NIF pedido, ligue +351 501 964 843",
        "NIF pedido, ligue 00351 501964843",
        "NIR 2 55 08 14 168 025 38 9",
        # "y" is Spanish for "and": a letter after a space is upper case.
        "12345678 y 87654321",
        "IBAN DE89 3704 0044 0532 0130 00",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
    ],
)
def test_parts_of_longer_runs_are_not_reported(
    recognizers: list[ChecksumRecognizer], text: str
) -> None:
    assert found(recognizers, text) == []


# --- sentences ------------------------------------------------------------------------


SENTENCES = [
    (
        "Hallo, bitte trag für Herrn Müller die Steuer-ID 86 095 742 719 in die "
        "Lohnabrechnung für März ein.",
        {"DE_TAX_ID"},
    ),
    (
        "Bonjour, mon numéro de sécurité sociale est le 2 55 08 14 168 025 38, merci de "
        "mettre à jour mon dossier.",
        {"FR_NIR"},
    ),
    ("Hola, mi DNI es 12345678Z y necesito renovar el contrato de alquiler.", {"ES_NIF"}),
    ("El NIE de la nueva empleada es X-1234567-L, ¿puedes darla de alta?", {"ES_NIF"}),
    (
        "Il codice fiscale del cliente è RSSMRA85T10A562S, partita IVA IT00743110157.",
        {"IT_FISCAL_CODE", "EU_VAT"},
    ),
    (
        "Kun je een brief opstellen voor de Belastingdienst? Mijn BSN is 111222333.",
        {"NL_BSN"},
    ),
    ("Preciso de uma fatura em nome da empresa, NIF 501 964 843, até sexta.", {"PT_NIF"}),
    (
        "Please invoice ACME GmbH, VAT ID DE136695976, and copy the Dutch office "
        "(VAT NL004495445B01).",
        {"EU_VAT"},
    ),
    ("Our new hire's Dutch citizen service number is 123456782.", {"NL_BSN"}),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_identifiers_in_sentences(
    recognizers: list[ChecksumRecognizer], text: str, expected: set[str]
) -> None:
    assert entities(recognizers, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order 86095742719 shipped on 2024-03-01 at 10:42, tracking 501964843.",
        "Call me at +49 151 12345678 or +351 912 345 678.",
        "Timestamps: 20240115103000123, 1705312200000, 2024-01-15T10:30:00Z.",
        "Invoice 2024-00123, PO 4500012345, ticket INC0012345, build 1.84.12.",
        "SKU 12345678 A4 paper, 500 sheets, EAN 4006381333931.",
        "The container id is 3f2a9c1d8e7b and the trace id 4bf92f3577b34da6a3ce929d0e0e4736.",
        "Die Bestellung 65929970489 wurde am 12.03.2024 verschickt.",
        "Mijn ordernummer is 111222333 en mijn postcode 1234 AB.",
    ],
)
def test_everyday_numbers_are_not_reported(
    recognizers: list[ChecksumRecognizer], text: str
) -> None:
    assert found(recognizers, text) == []


def test_nothing_is_reported_in_non_sensitive_evaluation_prompts(
    recognizers: list[ChecksumRecognizer],
) -> None:
    rows = []
    for name in ("sensitivity.jsonl", "sensitivity_languages.jsonl"):
        with (EVAL_DATA / name).open(encoding="utf-8") as lines:
            rows += [json.loads(line) for line in lines if line.strip()]
    public = [row["text"] for row in rows if not row["sensitive"]]
    assert len(public) > 300
    reported = [(text, hit) for text in public for hit in found(recognizers, text)]
    assert reported == []


# --- cost -------------------------------------------------------------------------------


def _unbounded_repeats(items: Any) -> list[str]:
    """The repetitions of a parsed pattern with no upper bound, anywhere in it."""
    c = re_compat.OPCODES
    bad = []
    for op, value in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = value
            if high == c.MAXREPEAT:
                bad.append(f"{op} {low}..")
            bad += _unbounded_repeats(sub)
        elif op == c.SUBPATTERN:
            bad += _unbounded_repeats(value[-1])
        elif op in (c.ASSERT, c.ASSERT_NOT):
            bad += _unbounded_repeats(value[1])
        elif op == c.BRANCH:
            for branch in value[1]:
                bad += _unbounded_repeats(branch)
    return bad


def test_every_pattern_is_bounded(recognizers: list[ChecksumRecognizer]) -> None:
    """Linear by structure, not by timing: no pattern (or context pattern) repeats
    anything without bound, and each match is short, so the work at each position of
    the text is bounded by a constant."""
    for recognizer in recognizers:
        name = type(recognizer).__name__
        regexes = [pattern.regex for pattern in patterns(recognizer)]
        if recognizer.CONTEXT:
            regexes.append("(?:" + "|".join(recognizer.CONTEXT) + ")")
        for source in regexes:
            assert _unbounded_repeats(re_compat.parse(source)) == [], (name, source)
            assert re_compat.width(source)[1] <= 64, (name, source)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "unit",
    ["1", "1 ", "12 345 ", "1.", "1-", "DE1", "X1", "2A ", "RSSMRA8", "Steuer-ID 1 ", "BSN 1 "],
)
def test_long_adversarial_runs_complete(recognizers: list[ChecksumRecognizer], unit: str) -> None:
    text = (unit * (200_000 // len(unit) + 1))[:200_000]
    for recognizer in recognizers:
        assert recognizer.analyze(text, recognizer.supported_entities) == []


@pytest.mark.timeout(120)
def test_many_named_numbers_are_all_found(recognizers: list[ChecksumRecognizer]) -> None:
    """Each valid candidate costs one bounded context search: 200,000 characters of
    named numbers are read in one pass."""
    unit = "Steuer-ID 86095742719; "
    text = unit * (200_000 // len(unit))
    [recognizer] = [r for r in recognizers if r.ENTITY == "DE_TAX_ID"]
    assert len(recognizer.analyze(text, ["DE_TAX_ID"])) == text.count("Steuer-ID")


def test_text_without_a_digit_is_not_searched(
    recognizers: list[ChecksumRecognizer], monkeypatch: pytest.MonkeyPatch
) -> None:
    def searched(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("searched a text without digits")

    monkeypatch.setattr(PatternRecognizer, "analyze", searched)
    text = "Steuer-ID BSN NIF RSSMRAxxTxxAxxxS DExxxxxxxxx " * 1_000
    for recognizer in recognizers:
        assert recognizer.analyze(text, recognizer.supported_entities) == []


# --- the classifier ---------------------------------------------------------------------


def test_they_are_registered_and_kept_on_the_edge() -> None:
    registered = {e for r in predefined_recognizers() for e in r.supported_entities}
    levels = load_classifier_options(DEFAULT_POLICY).sensitivity.entity_levels
    for entity in ENTITIES:
        assert entity in registered
        # A company's VAT number is printed on its invoices: confidential, which the
        # default policy still keeps on the edge; a person's ids are restricted.
        assert levels[entity] == ("confidential" if entity == "EU_VAT" else "restricted")


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_the_classifier_reports_them(
    classifiers: Classifiers, text: str, expected: set[str]
) -> None:
    # Text in a language the recognizers do not read is unclassified whatever they
    # find: the entities are what counts here.
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert expected <= set(signal.entities), signal.entities


@pytest.mark.parametrize(
    "text",
    [
        "Please update the payroll record: Steuer-ID 86095742719 for our Munich hire.",
        "Draft a letter to the CPAM about social security number 2 55 08 14 168 025 38.",
    ],
)
def test_english_prompts_with_them_are_restricted(classifiers: Classifiers, text: str) -> None:
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level == Level.RESTRICTED, signal.entities


def test_a_vat_number_keeps_its_prompt_on_the_edge(classifiers: Classifiers) -> None:
    text = "Add the supplier with VAT number FR40303265045 to the vendor master data."
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level == Level.CONFIDENTIAL, signal.entities


def test_the_classifier_ignores_digits_without_a_name(classifiers: Classifiers) -> None:
    signal = classifiers.sensitivity.classify(
        [Segment("user", "Order 86095742719 shipped; tracking 111222333 and 501964843.")]
    )
    assert not set(signal.entities) & set(ENTITIES), signal.entities
