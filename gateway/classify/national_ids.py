"""European national identifiers, each confirmed by its own checksum.

Presidio ships US and UK identifiers only: a prompt carrying a German tax ID, a French
social-security number, a Spanish DNI, an Italian codice fiscale, a Dutch BSN, a
Portuguese NIF or an EU VAT number would otherwise pass as public. These numbers are
short runs of digits, which enterprise prompts are full of (order numbers, timestamps,
phone numbers, ticket ids), so a shape alone is never enough:
- every match must pass the identifier's real check-digit algorithm; a failed check is
  never reported, whatever surrounds it;
- a shape of digits only and of common length (the 9-digit BSN and NIF, the 11-digit
  Steuer-ID) counts only after a word that names it ("BSN", "contribuinte",
  "Steuer-ID"), in English or the native language, shortly before it;
- the 15-digit French NIR, with a valid sex digit, month and key, is rare enough by
  chance to count alone, but lower than with its name near;
- shapes with letters (DNI/NIE, codice fiscale, a VAT number behind its country
  prefix) are distinctive enough to count alone once their check holds.

Each recognizer is a Presidio PatternRecognizer, so the gateway's budget wraps its one
regex with the request's deadline and skips it on text without a digit. Every
quantifier in the patterns is bounded and no repetition nests an unbounded one: the
work per starting position is a constant, and a search is linear in the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from gateway.classify.gates import has_digit

# A match with its check digit right and its name near, or with a shape of its own.
CHECKSUM_SCORE = 0.9
# A NIR with no context word: above the default policy's min_score (0.5), so it still
# counts, but below a named one.
ALONE_SCORE = 0.6
# How far before a number its name may be: "Burgerservicenummer (BSN) van de
# werknemer: 123456782" fits, a name from an earlier sentence mostly does not.
CONTEXT_REACH = 40

# Case matters: VAT prefixes and the letters after a separator are upper case, so
# "12345678 y 87654321" (Spanish "and") is no DNI. Patterns that accept lower case say
# so themselves.
_FLAGS = regex.DOTALL | regex.MULTILINE
# Not inside a longer run of letters or digits, not a phone number's tail ("+351 9..."),
# and not the next group of a longer grouped number ("0049 151 ...").
_START = r"(?<![\w+])(?<![0-9][ .-])"
_PREFIXED_START = r"(?<!\w)"
_END = r"(?!\w)(?![ .-][0-9])"

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CIF_LETTERS = "JABCDEFGHI"
# Italian codice fiscale: the month letters (January to December), the letters that
# stand for digits where two people would share a code (omocodia), and the official
# values of a character in an odd position (1st, 3rd, ...), for A to Z (a digit counts
# as the letter at its index: 0 as A, 9 as J).
_CF_MONTHS = "ABCDEHLMPRST"
_CF_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CF_OMOCODIA = "LMNPQRSTUV"
# fmt: off
_CF_ODD = (
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25,
    24, 23,
)
# fmt: on
# The characters of a French VAT key in their order for the alphanumeric keys.
_FR_KEY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_SEPARATORS = " .-"
_PT_TWO_DIGIT_PREFIXES = ("45", "70", "71", "72", "74", "75", "77", "79")


# --- check-digit algorithms -------------------------------------------------------


def compact(value: str) -> str:
    """The value without separators, upper case."""
    return "".join(c for c in value if c not in _SEPARATORS).upper()


def mod_11_10(digits: str) -> int:
    """The ISO 7064 MOD 11,10 check digit of `digits` (German Steuer-ID and VAT)."""
    product = 10
    for char in digits:
        total = (int(char) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10


def luhn_sum(digits: str) -> int:
    """The Luhn sum modulo 10 of `digits`, the last one counted as is."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


def de_tax_id_valid(value: str) -> bool:
    """Steuerliche Identifikationsnummer: 11 digits, the first not 0. In the first ten,
    exactly one digit occurs more than once, twice or three times (three times not all
    in a row), and the eleventh is their MOD 11,10 check digit."""
    digits = compact(value)
    if len(digits) != 11 or not digits.isdigit() or digits[0] == "0":
        return False
    repeated = [(d, n) for d, n in Counter(digits[:10]).items() if n > 1]
    if len(repeated) != 1:
        return False
    digit, times = repeated[0]
    if times not in (2, 3) or (times == 3 and digit * 3 in digits[:10]):
        return False
    return mod_11_10(digits[:10]) == int(digits[10])


def _nir_month_valid(month: int) -> bool:
    # 01-12, or the codes for a birth month the civil record does not give.
    return 1 <= month <= 12 or month == 20 or 30 <= month <= 42 or 50 <= month <= 99


def fr_nir_valid(value: str) -> bool:
    """NIR: sex (1, 2; 3, 4, 7, 8 for provisional numbers), year, month, department
    (2A and 2B for Corsica, counted as 19 and 18 in the key), commune, order, and a
    key of 97 - (the 13 digits mod 97)."""
    nir = compact(value)
    if len(nir) != 15 or nir[0] not in "123478":
        return False
    department = {"2A": "19", "2B": "18"}.get(nir[5:7], nir[5:7])
    body = nir[:5] + department + nir[7:13]
    if not (body.isdigit() and nir[13:].isdigit()):
        return False
    if not _nir_month_valid(int(nir[3:5])) or department == "00":
        return False
    return 97 - int(body) % 97 == int(nir[13:])


def _dni_letter(number: str) -> str:
    return _DNI_LETTERS[int(number) % 23]


def es_dni_valid(value: str) -> bool:
    """DNI (8 digits) or NIE (X, Y, Z for 0, 1, 2, and 7 digits), and the letter of
    the number mod 23."""
    nif = compact(value)
    if len(nif) != 9:
        return False
    number = nif[:8]
    if number[0] in "XYZ":
        number = str("XYZ".index(number[0])) + number[1:]
    return number.isdigit() and nif[8] == _dni_letter(number)


def _es_cif_valid(cif: str) -> bool:
    """CIF of a Spanish company: its type letter, 7 digits and a control that is a
    Luhn check digit or its letter (sources disagree on which types use which)."""
    if cif[0] not in "ABCDEFGHJNPQRSUVW" or not cif[1:8].isdigit():
        return False
    check = (10 - luhn_sum(cif[1:8] + "0")) % 10
    return cif[8] in (str(check), _CIF_LETTERS[check])


def _cf_value(char: str) -> int:
    """A date digit of a codice fiscale, which omocodia may have replaced by a letter."""
    return int(char) if char.isdigit() else _CF_OMOCODIA.index(char)


def it_fiscal_code_valid(value: str) -> bool:
    """Codice fiscale: 6 letters (name), year, month letter, day (+40 for women), place,
    and a check letter from the official odd/even tables."""
    code = compact(value)
    if len(code) != 16 or not code.isascii() or not (code[:6] + code[11] + code[15]).isalpha():
        return False
    if code[8] not in _CF_MONTHS or any(
        not (c.isdigit() or c in _CF_OMOCODIA) for c in code[6:8] + code[9:11] + code[12:15]
    ):
        return False
    # The day of birth, plus 40 for a woman, within its month (any year's February).
    day = _cf_value(code[9]) * 10 + _cf_value(code[10])
    day = day - 40 if day > 40 else day
    if not 1 <= day <= _CF_MONTH_DAYS[_CF_MONTHS.index(code[8])]:
        return False
    total = 0
    for position, char in enumerate(code[:15]):
        index = int(char) if char.isdigit() else ord(char) - ord("A")
        total += _CF_ODD[index] if position % 2 == 0 else index
    return code[15] == chr(ord("A") + total % 26)


def _eleven_test(digits: str) -> bool:
    # The Dutch "11-proef": 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11.
    return _weighted(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)) % 11 == 0


def nl_bsn_valid(value: str) -> bool:
    """BSN: 9 digits, not all zero, passing the 11-proef."""
    digits = compact(value)
    return len(digits) == 9 and digits.isdigit() and int(digits) > 0 and _eleven_test(digits)


def _pt_prefix_valid(digits: str) -> bool:
    # 1-3 people, 45 non-resident people, 5 companies, 6 public bodies, 70-79 estates,
    # funds and special cases, 8 sole traders, 9 condominiums and non-residents.
    return digits[0] in "1235689" or digits[:2] in _PT_TWO_DIGIT_PREFIXES


def pt_nif_valid(value: str) -> bool:
    """NIF/NIPC: 9 digits with an allowed prefix; the last is 11 - (the weighted sum
    9..2 of the first eight mod 11), 0 where that is 10 or 11."""
    digits = compact(value)
    if len(digits) != 9 or not digits.isdigit() or not _pt_prefix_valid(digits):
        return False
    check = 11 - _weighted(digits[:8], (9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return (0 if check >= 10 else check) == int(digits[8])


# --- VAT numbers, by country prefix (`number` is what follows the prefix) ----------


def _vat_at(number: str) -> bool:
    # "U" and 8 digits: the Luhn sum of the first 7 digits, shifted by 4.
    return number[0] == "U" and (6 - luhn_sum(number[1:8])) % 10 == int(number[8])


def _vat_be(number: str) -> bool:
    return number[0] in "01" and (int(number[:8]) + int(number[8:])) % 97 == 0


def _vat_de(number: str) -> bool:
    return number[0] != "0" and mod_11_10(number[:8]) == int(number[8])


def _vat_dk(number: str) -> bool:
    return number[0] != "0" and _weighted(number, (2, 7, 6, 5, 4, 3, 2, 1)) % 11 == 0


def _vat_es(number: str) -> bool:
    if number[0].isdigit() or number[0] in "XYZ":
        return es_dni_valid(number)
    return _es_cif_valid(number)


def _vat_fi(number: str) -> bool:
    return _weighted(number, (7, 9, 10, 5, 8, 4, 2, 1)) % 11 == 0


def _vat_fr(number: str) -> bool:
    """A 2-character key and the 9-digit SIREN (a Luhn number, except Monaco's "000"
    numbers). A numeric key is (12 + 3 * (SIREN mod 97)) mod 97; the newer
    alphanumeric keys have a check of their own."""
    key, siren = number[:2], number[2:]
    if siren[:3] != "000" and luhn_sum(siren) != 0:
        return False
    if key.isdigit():
        return int(key) == (12 + 3 * (int(siren) % 97)) % 97
    first, second = (_FR_KEY_ALPHABET.index(c) for c in key)
    check = first * 24 + second - 10 if key[0].isdigit() else first * 34 + second - 100
    return (int(siren) + 1 + check // 11) % 11 == check % 11


def _vat_it(number: str) -> bool:
    """Partita IVA: 7 digits (not all 0), a province office (001-100, 120, 121, 888,
    999) and a Luhn check digit."""
    office = int(number[7:10])
    if int(number[:7]) == 0 or not (1 <= office <= 100 or office in (120, 121, 888, 999)):
        return False
    return luhn_sum(number) == 0


def _vat_lu(number: str) -> bool:
    return int(number[:6]) % 89 == int(number[6:])


def _vat_nl(number: str) -> bool:
    """9 digits, "B" and 2 digits: a company's number passes the 11-proef, a sole
    trader's (since 2020) the ISO 7064 mod 97 check of the whole "NL..." string."""
    if int(number[:9]) == 0 or int(number[10:]) == 0:
        return False
    if _eleven_test(number[:9]):
        return True
    as_digits = "".join(str(int(c, 36)) for c in "NL" + number)
    return int(as_digits) % 97 == 1


def _vat_pl(number: str) -> bool:
    return _weighted(number, (6, 5, 7, 2, 3, 4, 5, 6, 7, -1)) % 11 == 0


def _vat_se(number: str) -> bool:
    # The 10-digit organisation number (a Luhn number) and "01".
    return number[10:] == "01" and luhn_sum(number[:10]) == 0


# Each country's prefix, the length of what follows it (separators aside), the shape
# of that (" " or "-" may follow the prefix: "DE 123456789", "ES-B12345674"), and its
# check. Countries whose numbers are only digits are listed only with a checksum.
_VAT_FORMATS: tuple[tuple[str, int, str, Callable[[str], bool]], ...] = (
    ("AT", 9, r"AT ?U[0-9]{8}", _vat_at),
    ("BE", 10, r"BE[ -]?[01][0-9]{3}[ .]?[0-9]{3}[ .]?[0-9]{3}", _vat_be),
    ("DE", 9, r"DE[ -]?[0-9]{3} ?[0-9]{3} ?[0-9]{3}", _vat_de),
    ("DK", 8, r"DK[ -]?[0-9]{8}", _vat_dk),
    ("ES", 9, r"ES[ -]?[0-9A-Z][0-9]{7}[0-9A-Z]", _vat_es),
    ("FI", 8, r"FI[ -]?[0-9]{8}", _vat_fi),
    ("FR", 11, r"FR[ -]?[0-9A-HJ-NP-Z]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}", _vat_fr),
    ("IT", 11, r"IT[ -]?[0-9]{11}", _vat_it),
    ("LU", 8, r"LU[ -]?[0-9]{8}", _vat_lu),
    ("NL", 12, r"NL[ -]?[0-9]{9}B[0-9]{2}", _vat_nl),
    ("PL", 10, r"PL[ -]?[0-9]{10}", _vat_pl),
    ("PT", 9, r"PT[ -]?[0-9]{9}", pt_nif_valid),
    ("SE", 12, r"SE[ -]?[0-9]{12}", _vat_se),
)


def eu_vat_valid(value: str) -> bool:
    """A VAT number of one of _VAT_FORMATS' countries, with its country's check."""
    vat = compact(value)
    for prefix, length, _, valid in _VAT_FORMATS:
        if vat.startswith(prefix):
            number = vat[len(prefix) :]
            return len(number) == length and number.isalnum() and valid(number)
    return False


# --- recognizers -------------------------------------------------------------------


class ChecksumRecognizer(PatternRecognizer):
    """One pattern, a checksum on each match, and a score from the words before it.

    Presidio scores a match that `validate_result` accepts 1.0 and drops one it
    rejects; `analyze` then scores what is left: CHECKSUM_SCORE with a context word
    within CONTEXT_REACH characters before the match, otherwise CHECKSUM_SCORE for a
    distinctive shape, ALONE_SCORE where that is set, and nothing where context is
    required."""

    ENTITY: ClassVar[str]
    PATTERN: ClassVar[str]  # the shape, between the boundaries
    PREFIXED: ClassVar[bool] = False  # the shape starts with letters of its own
    CONTEXT: ClassVar[tuple[str, ...]] = ()  # regexes, read case-insensitively
    # The score without a context word; None: not reported without one.
    SCORE_ALONE: ClassVar[float | None] = CHECKSUM_SCORE

    def __init__(self) -> None:
        start = _PREFIXED_START if self.PREFIXED else _START
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            patterns=[
                Pattern(self.ENTITY.lower(), f"{start}(?:{self.PATTERN}){_END}", CHECKSUM_SCORE)
            ],
            global_regex_flags=_FLAGS,
        )
        self._context = (
            regex.compile(r"(?<!\w)(?:" + "|".join(self.CONTEXT) + r")(?!\w)", regex.IGNORECASE)
            if self.CONTEXT
            else None
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        # Every shape holds a decimal digit: most prompts have none and stop here.
        if not has_digit(text):
            return []
        found = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            score = self.SCORE_ALONE
            if self._context is not None and self._named(text, result.start):
                score = CHECKSUM_SCORE
            if score is not None:
                result.score = score
                found.append(result)
        return found

    def _named(self, text: str, start: int) -> bool:
        # Searched in place (not on a slice): the lookbehind sees the character before
        # the window, so "Latin" cut to "tin" is not "TIN".
        assert self._context is not None
        return self._context.search(text, max(0, start - CONTEXT_REACH), start) is not None

    def validate_result(self, pattern_text: str) -> bool:
        return self.valid(pattern_text)

    @staticmethod
    def valid(value: str) -> bool:
        raise NotImplementedError


_TAX_ID_WORDS = (
    r"tax[ -]?id(?:entification)?(?:[ -]?(?:number|no\.?|nr\.?))?",
    r"tin",
)


class GermanTaxIdRecognizer(ChecksumRecognizer):
    """Steuerliche Identifikationsnummer, written whole or as "12 345 678 901"."""

    ENTITY = "DE_TAX_ID"
    PATTERN = r"[1-9][0-9](?: ?[0-9]{3}){3}"
    CONTEXT = (
        r"steuer[ -]?id(?:[ -]?n(?:umme)?r\.?)?",
        r"steuer[ -]?identifikations[ -]?(?:nummer|nr\.?)",
        r"(?:steuerliche )?identifikations[ -]?nummer",
        # "IdNr", "St-IdNr", but not the VAT number's "USt-IdNr".
        r"(?<!ust[ .-])(?<!ust\.-)(?:st[ -]?)?id[ -]?nr\.?",
        *_TAX_ID_WORDS,
    )
    SCORE_ALONE = None
    valid = staticmethod(de_tax_id_valid)


class FrenchNirRecognizer(ChecksumRecognizer):
    """NIR ("numéro de sécurité sociale"), whole or grouped as "2 55 08 14 168 025 38"."""

    ENTITY = "FR_NIR"
    PATTERN = (
        r"[1-478][ .]?[0-9]{2}[ .]?[0-9]{2}[ .]?(?:[0-9]{2}|2[ABab])"
        r"[ .]?[0-9]{3}[ .]?[0-9]{3}[ .]?[0-9]{2}"
    )
    CONTEXT = (
        r"s[ée]curit[ée][ -]sociale",
        r"s[ée]cu",
        r"nir",
        r"insee",
        r"carte[ -]vitale",
        r"social[ -]security(?:[ -]number)?",
    )
    SCORE_ALONE = ALONE_SCORE
    valid = staticmethod(fr_nir_valid)


class SpanishNifRecognizer(ChecksumRecognizer):
    """DNI ("12345678Z") and NIE ("X1234567L"), the letter also after "-" or " "
    (upper case only there: "... 12345678 y ..." is Spanish for "and")."""

    ENTITY = "ES_NIF"
    PATTERN = r"(?:[0-9]{8}|[XYZ][ -]?[0-9]{7})(?:[A-Za-z]|[ -][A-Z])"
    valid = staticmethod(es_dni_valid)


class ItalianFiscalCodeRecognizer(ChecksumRecognizer):
    """Codice fiscale, either case. Omocodia may replace any of its 7 digits by a letter
    (from the last one on, only where two codes would collide); a code with all seven
    replaced is not seen, as the digit check skips text without digits."""

    ENTITY = "IT_FISCAL_CODE"
    PREFIXED = True
    PATTERN = (
        r"(?i:[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}"
        r"[A-Z][0-9LMNPQRSTUV]{3}[A-Z])"
    )
    valid = staticmethod(it_fiscal_code_valid)


_NINE_DIGITS = r"[0-9]{9}|[0-9]{3} [0-9]{3} [0-9]{3}|[0-9]{3}\.[0-9]{3}\.[0-9]{3}"


class DutchBsnRecognizer(ChecksumRecognizer):
    """Burgerservicenummer, also as "1234.56.782" or "123 456 782"."""

    ENTITY = "NL_BSN"
    PATTERN = _NINE_DIGITS + r"|[0-9]{4}\.[0-9]{2}\.[0-9]{3}"
    CONTEXT = (
        r"bsn(?:[ -]?n(?:umme)?r\.?)?",
        r"burger[ -]?service[ -]?nummer",
        r"sofi[ -]?n(?:umme)?r\.?",
        r"citizen service number",
    )
    SCORE_ALONE = None
    valid = staticmethod(nl_bsn_valid)


class PortugueseNifRecognizer(ChecksumRecognizer):
    """Número de identificação fiscal (people) and NIPC (companies)."""

    ENTITY = "PT_NIF"
    PATTERN = _NINE_DIGITS
    CONTEXT = (
        r"nif",
        r"nipc",
        r"contribuinte",
        r"identifica[çc][ãa]o fiscal",
        r"taxpayer(?:[ -](?:number|id))?",
        *_TAX_ID_WORDS,
    )
    SCORE_ALONE = None
    valid = staticmethod(pt_nif_valid)


class EuVatRecognizer(ChecksumRecognizer):
    """VAT numbers of the countries in _VAT_FORMATS, behind their upper-case prefix.

    One alternation of all the formats, so that the text is read once."""

    ENTITY = "EU_VAT"
    PREFIXED = True
    PATTERN = "|".join(shape for _, _, shape, _ in _VAT_FORMATS)
    valid = staticmethod(eu_vat_valid)


def national_id_recognizers() -> list[EntityRecognizer]:
    return [
        GermanTaxIdRecognizer(),
        FrenchNirRecognizer(),
        SpanishNifRecognizer(),
        ItalianFiscalCodeRecognizer(),
        DutchBsnRecognizer(),
        PortugueseNifRecognizer(),
        EuVatRecognizer(),
    ]
