# ruff: noqa: E501
"""Build labelled evaluation data for hybridgate's prompt classifier.

Writes two JSONL files into gateway/classify/data/eval/, where they ship with the
package (`hybridgate eval` reads them; README.md there describes them):

* sensitivity.jsonl -- {"id", "text", "sensitive", "category", "split"}
* complexity.jsonl  -- {"id", "text", "complex", "category", "split"}

Deterministic: stdlib only, every random choice comes from random.Random(20261129),
and rows are written in a fixed order. All personal data and credentials below are
generated fakes (random digits and letters with valid-looking checksums).

Run:  .venv/bin/python tools/build_datasets.py  (paths are relative to this script)
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
import string
import sys
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parent))
import multilingual_dev
import multilingual_heldout
from handwritten_prompts import COMPLEXITY_GROUPS, SENSITIVITY_GROUPS

SEED = 20261129
rng = Random(SEED)
# Relative to this script, so it runs from any checkout.
OUT = Path(__file__).resolve().parent.parent / "gateway" / "classify" / "data" / "eval"
SENSITIVITY_PATH = OUT / "sensitivity.jsonl"
COMPLEXITY_PATH = OUT / "complexity.jsonl"
# The other covered languages' prompts, hand-written: the dev split
# (tools/multilingual_dev.py) and the held-out one (tools/multilingual_heldout.py) by
# different authors, apart from each other and from the classifier's lists.
LANGUAGE_SENSITIVITY_PATH = OUT / "sensitivity_languages.jsonl"
LANGUAGE_COMPLEXITY_PATH = OUT / "complexity_languages.jsonl"

ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
B64URL = ALNUM + "-_"


def block(text: str) -> str:
    """Dedent a triple-quoted multi-line prompt (used for code snippets)."""
    return textwrap.dedent(text).strip("\n")


# =====================================================================================
# Fake value generators
# =====================================================================================


def rand_str(alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def digits(n: int) -> str:
    return rand_str(string.digits, n)


# --- checksums ------------------------------------------------------------------------


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit to ``partial``."""
    for check in string.digits:
        if luhn_ok(partial + check):
            return partial + check
    raise AssertionError("unreachable")


def _iban_numeric(s: str) -> int:
    return int("".join(str(int(c, 36)) for c in s))


def make_iban(country: str, bban: str) -> str:
    check = 98 - _iban_numeric(bban + country + "00") % 97
    return f"{country}{check:02d}{bban}"


def iban_ok(s: str) -> bool:
    s = s.replace(" ", "").upper()
    return len(s) >= 15 and s[:2].isalpha() and _iban_numeric(s[4:] + s[:4]) % 97 == 1


def aba_ok(r: str) -> bool:
    return (
        len(r) == 9
        and r.isdigit()
        and sum(int(d) * w for d, w in zip(r, [3, 7, 1] * 3, strict=True)) % 10 == 0
    )


# --- people ---------------------------------------------------------------------------

FIRST_NAMES = [
    "Maria", "James", "Aisha", "Tomasz", "Priya", "Daniel", "Mei", "Lucas", "Fatima", "Oliver",
    "Sofia", "Kwame", "Elena", "Mateo", "Hannah", "Ravi", "Chloe", "Diego", "Ingrid", "Samuel",
    "Yuki", "Leila", "Patrick", "Ana", "Jonas", "Grace", "Omar", "Zoe", "Nikolai", "Rosa",
    "Ethan", "Amara", "Felix", "Nadia", "Connor", "Isabel", "Hiroshi", "Layla", "Marcus", "Wen",
]  # fmt: skip
LAST_NAMES = [
    "Okafor", "Lindqvist", "Haddad", "Kowalski", "Raman", "Whitfield", "Castellano", "Nakamura",
    "Brennan", "Osei", "Petrova", "Delgado", "Fischer", "Adeyemi", "Sørensen", "Moreau",
    "Quintero", "Harrington", "Vasquez", "Thornbury", "Iyer", "Gallagher", "Novak", "Ferreira",
    "Mensah", "Albright", "Kaczmarek", "Duarte", "Holloway", "Pham", "Rasmussen", "Chandra",
    "O'Donnell", "Ebert", "Marchetti", "Sato", "Abernathy", "Lund", "Cruz", "Whitaker",
]  # fmt: skip


def ascii_slug(s: str) -> str:
    s = s.replace("ø", "o").replace("Ø", "O")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", s.lower())


def make_email(first: str, last: str) -> str:
    f, la = ascii_slug(first), ascii_slug(last)
    pattern = rng.randrange(7)
    if pattern == 0:
        return f"{f}.{la}@gmail.com"
    if pattern == 1:
        return f"{f}{la}{rng.randint(70, 99)}@outlook.com"
    if pattern == 2:
        return f"{f}_{la}@yahoo.com"
    if pattern == 3:
        return f"{f}.{la[0]}@contoso-mail.com"
    if pattern == 4:
        return f"{f[0]}{la}@northwindtraders.com"
    if pattern == 5:
        return f"{la}.{f}{rng.randint(1, 9)}@icloud.com"
    return f"{f}.{la}@proton.me"


class Person:
    def __init__(self, first: str, last: str) -> None:
        self.first = first
        self.last = last
        self.name = f"{first} {last}"
        self.initials = f"{first[0]}.{last[0]}."
        self.email = make_email(first, last)


def new_people(n: int) -> list[Person]:
    firsts = rng.sample(FIRST_NAMES, n)
    lasts = rng.sample(LAST_NAMES, n)
    return [Person(f, la) for f, la in zip(firsts, lasts, strict=True)]


# --- dates ----------------------------------------------------------------------------


def rand_date(start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days))


def dob() -> str:
    d = rand_date(dt.date(1951, 1, 1), dt.date(2003, 12, 31))
    fmt = rng.choice(["%B %d, %Y", "%Y-%m-%d", "%m/%d/%Y", "%d %B %Y"])
    return d.strftime(fmt).replace(" 0", " ")


def future_date() -> str:
    d = rand_date(dt.date(2026, 1, 5), dt.date(2027, 6, 30))
    return d.strftime(rng.choice(["%B %d", "%B %d, %Y", "%d %B %Y", "%A, %B %d"])).replace(
        " 0", " "
    )


# --- government ids -------------------------------------------------------------------


def ssn() -> str:
    area = rng.randint(1, 899)
    while area == 666:
        area = rng.randint(1, 899)
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def passport_us() -> str:
    if rng.random() < 0.5:
        return rng.choice("ACEFGHJKLMNPRSTUVWXYZ") + digits(8)
    return str(rng.randint(1, 9)) + digits(8)


def passport_uk() -> str:
    return str(rng.randint(1, 9)) + digits(8)


def passport_de() -> str:
    return rng.choice("CFGHJK") + rand_str("0123456789CFGHJKLMNPRTVWXYZ", 8)


def dl_ca() -> str:
    return rng.choice(string.ascii_uppercase) + digits(7)


def dl_ny() -> str:
    d = digits(9)
    return f"{d[:3]} {d[3:6]} {d[6:]}"


def dl_tx() -> str:
    return str(rng.randint(1, 4)) + digits(7)


def dl_fl() -> str:
    return f"{rng.choice(string.ascii_uppercase)}{digits(3)}-{digits(3)}-{digits(2)}-{digits(3)}-{digits(1)}"


# --- financial ------------------------------------------------------------------------

KNOWN_TEST_CARDS = {
    "4111111111111111", "4242424242424242", "4012888888881881", "5555555555554444",
    "5105105105105100", "378282246310005", "371449635398431",
}  # fmt: skip


def card_number(kind: str) -> str:
    while True:
        if kind == "visa":
            prefix, length = "4", 16
        elif kind == "mc":
            prefix, length = str(rng.randint(51, 55)), 16
        else:
            prefix, length = rng.choice(["34", "37"]), 15
        number = luhn_complete(prefix + digits(length - len(prefix) - 1))
        if number not in KNOWN_TEST_CARDS:
            return number


def format_card(number: str) -> str:
    sep = rng.choice([" ", "-", ""])
    if len(number) == 15:
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return sep.join(groups)


def any_card() -> str:
    return format_card(card_number(rng.choice(["visa", "visa", "mc", "mc", "amex"])))


def card_exp() -> str:
    return f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}"


def bban_de() -> str:
    return str(rng.randint(1, 8)) + digits(7) + digits(10)


def bban_gb() -> str:
    return rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]) + digits(6) + digits(8)


def bban_fr() -> str:
    bank, branch, acct = digits(5), digits(5), digits(11)
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97
    return f"{bank}{branch}{acct}{key:02d}"


def bban_nl() -> str:
    while True:
        acct = digits(10)
        if acct[0] != "0" and sum(int(d) * (10 - i) for i, d in enumerate(acct)) % 11 == 0:
            return rng.choice(["ABNA", "INGB", "RABO", "TRIO", "KNAB", "SNSB"]) + acct


def bban_es() -> str:
    bank, branch, acct = digits(4), digits(4), digits(10)
    weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

    def control(ten: str) -> int:
        r = 11 - sum(int(d) * w for d, w in zip(ten, weights, strict=True)) % 11
        return {11: 0, 10: 1}.get(r, r)

    return f"{bank}{branch}{control('00' + bank + branch)}{control(acct)}{acct}"


def bban_be() -> str:
    first = str(rng.randint(1, 9)) + digits(9)
    return f"{first}{int(first) % 97 or 97:02d}"


def format_iban(iban: str) -> str:
    if rng.random() < 0.55:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def iban_for(country: str) -> str:
    bban = {
        "DE": bban_de,
        "GB": bban_gb,
        "FR": bban_fr,
        "NL": bban_nl,
        "ES": bban_es,
        "BE": bban_be,
    }[country]()
    return format_iban(make_iban(country, bban))


def routing_number() -> str:
    prefix = rng.choice(list(range(1, 13)) + list(range(21, 33)))
    body = f"{prefix:02d}" + digits(6)
    for check in string.digits:
        if aba_ok(body + check):
            return body + check
    raise AssertionError("unreachable")


BICS = [
    "DEUTDEFF",
    "COBADEFF",
    "BNPAFRPP",
    "INGBNL2A",
    "BARCGB22",
    "NWBKGB2L",
    "CAIXESBB",
    "GEBABEBB",
]

# --- contact --------------------------------------------------------------------------

US_STREETS = [
    "Maple Avenue", "Elm Street", "Cedar Lane", "Willow Court", "Harbor View Drive",
    "Oak Ridge Road", "Juniper Way", "Linden Boulevard", "Birch Hollow Lane", "Sycamore Street",
]  # fmt: skip
US_CITIES = [
    ("Portland", "OR", "972"), ("Austin", "TX", "787"), ("Columbus", "OH", "432"),
    ("Madison", "WI", "537"), ("Raleigh", "NC", "276"), ("Sacramento", "CA", "958"),
    ("Boise", "ID", "837"), ("Tucson", "AZ", "857"), ("Richmond", "VA", "232"),
    ("Albany", "NY", "122"),
]  # fmt: skip
UK_STREETS = [
    "Willow Road",
    "Station Road",
    "Church Lane",
    "Victoria Street",
    "Mill Close",
    "Kingsway Gardens",
]
UK_CITIES = [
    ("Leeds", "LS"),
    ("Bristol", "BS"),
    ("Manchester", "M"),
    ("Edinburgh", "EH"),
    ("Cardiff", "CF"),
]


def address_us() -> str:
    city, state, zip3 = rng.choice(US_CITIES)
    apt = rng.choice(
        ["", "", f", Apt {rng.randint(1, 9)}{rng.choice('ABCD')}", f", Unit {rng.randint(2, 40)}"]
    )
    return (
        f"{rng.randint(12, 9800)} {rng.choice(US_STREETS)}{apt}, {city}, {state} {zip3}{digits(2)}"
    )


def address_uk() -> str:
    city, area = rng.choice(UK_CITIES)
    postcode = (
        f"{area}{rng.randint(1, 19)} {rng.randint(1, 9)}{rand_str('ABDEFGHJLNPQRSTUWXYZ', 2)}"
    )
    return f"{rng.randint(1, 220)} {rng.choice(UK_STREETS)}, {city} {postcode}"


def phone_us() -> str:
    area = rng.choice([415, 206, 312, 617, 512, 303, 646, 404, 971, 919])
    line = f"01{digits(2)}"
    fmt = rng.randrange(5)
    if fmt == 0:
        return f"+1 ({area}) 555-{line}"
    if fmt == 1:
        return f"({area}) 555-{line}"
    if fmt == 2:
        return f"{area}-555-{line}"
    if fmt == 3:
        return f"+1 {area} 555 {line}"
    return f"{area}.555.{line}"


def phone_uk() -> str:
    if rng.random() < 0.5:
        return f"+44 20 7946 0{digits(3)}"
    return f"+44 7700 900{digits(3)}"


def phone_intl() -> str:
    fmt = rng.randrange(6)
    if fmt <= 1:
        return phone_uk()
    if fmt == 2:
        return f"+49 30 {digits(4)} {digits(4)}"
    if fmt == 3:
        return f"+33 6 {digits(2)} {digits(2)} {digits(2)} {digits(2)}"
    if fmt == 4:
        return f"+61 4{digits(2)} {digits(3)} {digits(3)}"
    return f"+353 87 {digits(3)} {digits(4)}"


# --- health / hr ----------------------------------------------------------------------

CONDITIONS = [
    "type 2 diabetes", "major depressive disorder", "stage II breast cancer", "multiple sclerosis",
    "Crohn's disease", "generalized anxiety disorder", "epilepsy", "chronic kidney disease stage 3",
    "rheumatoid arthritis", "bipolar II disorder", "hypothyroidism", "COPD",
    "atrial fibrillation", "early-stage Parkinson's disease", "long COVID",
]  # fmt: skip
MEDS = [
    ("metformin", "500 mg twice daily"), ("sertraline", "50 mg daily"), ("lisinopril", "10 mg daily"),
    ("levothyroxine", "75 mcg daily"), ("adalimumab", "40 mg every other week"),
    ("apixaban", "5 mg twice daily"), ("lamotrigine", "100 mg twice daily"),
    ("atorvastatin", "40 mg at night"), ("tamoxifen", "20 mg daily"), ("lithium", "300 mg three times daily"),
]  # fmt: skip
SPECIALTIES = [
    "endocrinology",
    "neurology",
    "cardiology",
    "rheumatology",
    "oncology",
    "psychiatry",
    "nephrology",
]
LEAVE_REASONS = [
    "a knee surgery",
    "cancer treatment",
    "a mental health crisis",
    "a high-risk pregnancy",
    "burnout and depression",
    "a back injury",
]


def mrn() -> str:
    return f"{rng.randint(100000, 9999999):08d}"


def salary() -> str:
    return f"{rng.randrange(58000, 245000, 500):,}"


# --- secrets --------------------------------------------------------------------------


def aws_key_id() -> str:
    return "AKIA" + rand_str(string.ascii_uppercase + "234567", 16)


def aws_secret() -> str:
    return rand_str(ALNUM + "/+", 40)


def github_token() -> str:
    return "ghp_" + rand_str(ALNUM, 36)


def slack_token() -> str:
    return f"xoxb-{digits(12)}-{digits(13)}-{rand_str(ALNUM, 24)}"


def openai_project_key() -> str:
    return "sk-proj-" + rand_str(ALNUM + "-_", rng.randint(56, 80))


def openai_legacy_key() -> str:
    return "sk-" + rand_str(ALNUM, 48)


def stripe_key() -> str:
    return "sk_live_" + rand_str(ALNUM, rng.choice([24, 34, 99]))


def google_key() -> str:
    return "AIza" + rand_str(ALNUM + "-_", 35)


def npm_token() -> str:
    return "npm_" + rand_str(ALNUM, 36)


PASSWORD_WORDS = [
    "Harbor",
    "Falcon",
    "Maple",
    "Quantum",
    "Copper",
    "Nebula",
    "Juniper",
    "Granite",
    "Velvet",
    "Orchid",
]


def password() -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{rng.choice(PASSWORD_WORDS)}{rng.choice('!#$%&*@')}{rng.randint(10, 9999)}"
    if style == 1:
        return rand_str(ALNUM + "!@#$%^&*", rng.randint(12, 18))
    if style == 2:
        w = rng.sample(PASSWORD_WORDS, 3)
        return f"{w[0].lower()}-{w[1].lower()}-{w[2].lower()}{rng.randint(1, 99)}"
    leet = str.maketrans({"o": "0", "a": "4", "e": "3", "i": "1"})
    return f"{rng.choice(PASSWORD_WORDS).translate(leet)}{rng.choice('&^!')}{rng.randint(1, 9)}"


def url_password() -> str:
    return rand_str(ALNUM + "!*_-", rng.randint(12, 20))


DB_USERS = [
    "app_user",
    "svc_billing",
    "etl_loader",
    "reporting",
    "orders_rw",
    "dbadmin",
    "analytics_ro",
]
DB_NAMES = ["orders", "billing", "crm", "analytics", "inventory", "payroll", "customers"]


def db_host() -> str:
    return rng.choice(
        [
            "db-prod-01.internal.acme-corp.net",
            f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}",
            f"pg-main.{rand_str(string.ascii_lowercase + string.digits, 12)}.eu-west-1.rds.amazonaws.com",
            "orders-db.corp.local",
            "pgbouncer.prod.svc.cluster.local",
        ]
    )


def sql_host() -> str:
    return rng.choice(
        [
            f"tcp:sql-fin-{rng.randint(1, 9):02d}.database.windows.net,1433",
            "SQLPROD02\\INST1",
            f"10.0.{rng.randint(1, 30)}.{rng.randint(2, 250)}",
        ]
    )


def azure_account() -> str:
    return rng.choice(["stfinance", "stbackup", "stlogsprod", "stcustomerdocs"]) + digits(3)


def azure_key() -> str:
    return base64.b64encode(rng.randbytes(64)).decode()


def pem(label: str, prefix: str, nbytes: int) -> str:
    body = prefix + base64.b64encode(rng.randbytes(nbytes)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"


def rsa_pem() -> str:
    return pem("RSA PRIVATE KEY", "MIIEpAIBAAKCAQEA", rng.randint(300, 380))


def openssh_pem() -> str:
    return pem(
        "OPENSSH PRIVATE KEY",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        rng.randint(200, 260),
    )


def pkcs8_pem() -> str:
    return pem("PRIVATE KEY", "MIIEvgIBADANBgkqhkiG9w0BAQEFAASC", rng.randint(300, 360))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_token(person: Person) -> str:
    header = {"alg": rng.choice(["HS256", "HS512"]), "typ": "JWT"}
    iat = 1767225600 + rng.randint(0, 20_000_000)
    payload = {
        "sub": digits(8),
        "name": person.name,
        "email": person.email,
        "role": rng.choice(["admin", "user", "billing"]),
        "iat": iat,
        "exp": iat + 3600,
    }

    def enc(obj: dict[str, object]) -> str:
        return b64url(json.dumps(obj, separators=(",", ":")).encode())

    return f"{enc(header)}.{enc(payload)}.{rand_str(B64URL, 43)}"


# =====================================================================================
# Template filling
# =====================================================================================

PROJECT_TERMS = ["Project Bluefin", "Project Nightjar", "Orion-7"]
CLIENT_TERMS = ["Contoso Pharma", "Fabrikam Health"]
DENY_TERMS = PROJECT_TERMS + CLIENT_TERMS


# Terms are used in turn so that each one appears about equally often.
PROJECT_CYCLE = itertools.cycle(PROJECT_TERMS)
CLIENT_CYCLE = itertools.cycle(CLIENT_TERMS)


def vary_case(term: str) -> str:
    return rng.choice([term, term, term, term.lower(), term.upper()])


class Ctx:
    """Per-template values: three distinct people plus lazily generated fields."""

    def __init__(self) -> None:
        self.p = new_people(3)
        self.med = rng.choice(MEDS)
        self.med2 = rng.choice([m for m in MEDS if m != self.med])


GEN: dict[str, Callable[[Ctx], str]] = {
    # people
    "name": lambda c: c.p[0].name,
    "first": lambda c: c.p[0].first,
    "last": lambda c: c.p[0].last,
    "initials": lambda c: c.p[0].initials,
    "email": lambda c: c.p[0].email,
    "name2": lambda c: c.p[1].name,
    "first2": lambda c: c.p[1].first,
    "last2": lambda c: c.p[1].last,
    "email2": lambda c: c.p[1].email,
    "name3": lambda c: c.p[2].name,
    "dob": lambda c: dob(),
    "date1": lambda c: future_date(),
    "date2": lambda c: future_date(),
    # government ids
    "ssn": lambda c: ssn(),
    "passport_us": lambda c: passport_us(),
    "passport_us2": lambda c: passport_us(),
    "passport_uk": lambda c: passport_uk(),
    "passport_de": lambda c: passport_de(),
    "passport_any": lambda c: rng.choice([passport_us, passport_uk, passport_de])(),
    "dl_ca": lambda c: dl_ca(),
    "dl_ny": lambda c: dl_ny(),
    "dl_tx": lambda c: dl_tx(),
    "dl_fl": lambda c: dl_fl(),
    "pnr": lambda c: rand_str("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 6),
    # financial
    "card": lambda c: any_card(),
    "visa": lambda c: format_card(card_number("visa")),
    "mc": lambda c: format_card(card_number("mc")),
    "amex": lambda c: format_card(card_number("amex")),
    "exp": lambda c: card_exp(),
    "cvv": lambda c: digits(3),
    "iban": lambda c: iban_for(rng.choice(["DE", "GB", "FR", "NL", "ES", "BE"])),
    "iban_de": lambda c: iban_for("DE"),
    "iban_gb": lambda c: iban_for("GB"),
    "iban_fr": lambda c: iban_for("FR"),
    "iban_nl": lambda c: iban_for("NL"),
    "iban_es": lambda c: iban_for("ES"),
    "iban_be": lambda c: iban_for("BE"),
    "bic": lambda c: rng.choice(BICS),
    "acct": lambda c: digits(rng.randint(8, 12)),
    "routing": lambda c: routing_number(),
    # contact
    "phone_us": lambda c: phone_us(),
    "phone_uk": lambda c: phone_uk(),
    "phone_intl": lambda c: phone_intl(),
    "address": lambda c: address_us(),
    "address_uk": lambda c: address_uk(),
    # health / hr
    "mrn": lambda c: mrn(),
    "pid": lambda c: f"PT-{digits(6)}",
    "condition": lambda c: rng.choice(CONDITIONS),
    "med": lambda c: c.med[0],
    "dose": lambda c: c.med[1],
    "med2": lambda c: c.med2[0],
    "dose2": lambda c: c.med2[1],
    "specialty": lambda c: rng.choice(SPECIALTIES),
    "leave_reason": lambda c: rng.choice(LEAVE_REASONS),
    "salary": lambda c: salary(),
    "s1": lambda c: salary(),
    "s1b": lambda c: salary(),
    "s2": lambda c: salary(),
    "s2b": lambda c: salary(),
    "bonus": lambda c: f"{rng.randrange(5000, 60000, 1000):,}",
    "age": lambda c: str(rng.randint(24, 81)),
    # secrets
    "akia": lambda c: aws_key_id(),
    "aws_secret": lambda c: aws_secret(),
    "ghp": lambda c: github_token(),
    "xoxb": lambda c: slack_token(),
    "sk_proj": lambda c: openai_project_key(),
    "sk_legacy": lambda c: openai_legacy_key(),
    "stripe": lambda c: stripe_key(),
    "aiza": lambda c: google_key(),
    "npm": lambda c: npm_token(),
    "password": lambda c: password(),
    "password2": lambda c: password(),
    "dbuser": lambda c: rng.choice(DB_USERS),
    "dbpass": lambda c: url_password(),
    "dbhost": lambda c: db_host(),
    "dbname": lambda c: rng.choice(DB_NAMES),
    "sqlhost": lambda c: sql_host(),
    "azure_account": lambda c: azure_account(),
    "azure_key": lambda c: azure_key(),
    "rsa_pem": lambda c: rsa_pem(),
    "openssh_pem": lambda c: openssh_pem(),
    "pkcs8_pem": lambda c: pkcs8_pem(),
    "jwt": lambda c: jwt_token(c.p[0]),
    "hex8": lambda c: rand_str("0123456789abcdef", 8),
    # confidential terms
    "project": lambda c: vary_case(next(PROJECT_CYCLE)),
    "client": lambda c: vary_case(next(CLIENT_CYCLE)),
}

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def fill(template: str) -> str:
    ctx = Ctx()
    cache: dict[str, str] = {}

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in GEN:
            raise KeyError(f"unknown placeholder {{{key}}} in template: {template[:60]!r}")
        if key not in cache:
            cache[key] = GEN[key](ctx)
        return cache[key]

    return PLACEHOLDER.sub(sub, template)


# Each sensitive template must use at least one of these placeholders, so that every
# sensitive row really carries a generated value of its category.
REQUIRED_KEYS = {
    "government_id": {
        "ssn",
        "passport_us",
        "passport_uk",
        "passport_de",
        "passport_any",
        "dl_ca",
        "dl_ny",
        "dl_tx",
        "dl_fl",
    },
    "financial": {
        "card",
        "visa",
        "mc",
        "amex",
        "iban",
        "iban_de",
        "iban_gb",
        "iban_fr",
        "iban_nl",
        "iban_es",
        "iban_be",
        "acct",
    },
    "contact": {"email", "email2", "phone_us", "phone_uk", "phone_intl", "address", "address_uk"},
    "health": {"name", "mrn", "pid", "initials", "last"},
    "hr": {"name"},
    "secret": {
        "akia",
        "ghp",
        "xoxb",
        "sk_proj",
        "sk_legacy",
        "stripe",
        "aiza",
        "npm",
        "password",
        "dbpass",
        "azure_key",
        "rsa_pem",
        "openssh_pem",
        "pkcs8_pem",
        "jwt",
    },
    "code_secret": {
        "akia",
        "ghp",
        "xoxb",
        "sk_proj",
        "sk_legacy",
        "stripe",
        "aiza",
        "npm",
        "password",
        "dbpass",
        "azure_key",
        "rsa_pem",
        "openssh_pem",
        "pkcs8_pem",
        "jwt",
    },
    "confidential_term": {"project", "client"},
}


def from_templates(category: str, templates: list[str], n: int) -> list[tuple[str, str]]:
    """Fill templates in order (cycling) until ``n`` unique texts exist. Each text
    comes with its template's split: a template is held out whole, so no held-out row
    shares its wording with a dev row (split templates, not instances)."""
    required = REQUIRED_KEYS[category]
    for t in templates:
        keys = set(PLACEHOLDER.findall(t))
        if not keys & required:
            raise AssertionError(f"{category} template lacks a sensitive value: {t[:70]!r}")
    if len(templates) > n:
        raise AssertionError(f"{category}: {len(templates)} templates but only {n} rows")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n:
        index = i % len(templates)
        text = fill(templates[index])
        i += 1
        if text not in seen:
            seen.add(text)
            out.append((text, split_of(index)))
    return out


# =====================================================================================
# Sensitivity data: sensitive templates
# =====================================================================================

GOVERNMENT_ID = [
    "Draft an email to HR confirming that {name}'s SSN is {ssn} so they can update payroll.",
    "{name} (SSN {ssn}) needs a W-2 reissued. Write a short note to the payroll team.",
    "Can you check whether this SSN looks valid? {ssn} - it belongs to {name}.",
    "Summarise this intake form in two sentences: Name: {name}. DOB: {dob}. Social Security Number: {ssn}. Address on file: unchanged. Reason for visit: benefits enrollment.",
    "Translate to Spanish: 'Dear {name}, we received your passport (number {passport_us}) and will return it within 10 business days.'",
    "Write the cover letter for a Japanese tourist visa for {name}, passport no. {passport_any}, travelling from {date1} to {date2}.",
    "My passport number is {passport_us} and my name is {name}. Write a message to the airline asking them to add it to booking {pnr}.",
    "Write a polite reminder to {name} that the copy of their California driver's license ({dl_ca}) on file expires next month.",
    "Here is the rental customer record: {name}, NY driver license {dl_ny}. Draft a damage claim letter for the scratched bumper.",
    "I'm preparing the onboarding packet for our new contractor. Please turn these notes into a friendly welcome email. Notes: start date is Monday, the laptop will be shipped to their home, the first week is mostly training, their buddy is Sam from the platform team, {name}'s SSN for the background check is {ssn}, parking is in lot B, lunch is provided on Fridays, and the team stand-up is at 9:30.",
    "SSN {ssn}, {name}. The bank flagged a mismatch between this number and the name on the loan application. Write a clear, calm email to the applicant explaining which documents to send (Social Security card or W-2) and that the deadline is {date1}. Keep it under 150 words.",
    "Reformat as JSON with keys name, ssn and dob: {name}, {ssn}, born {dob}",
    "Proofread this sentence: 'The applicant, {name}, provided UK passport {passport_uk} and a utility bill as proof of address.'",
    "Make a table of the three travellers and their passport numbers: {name} - {passport_us}; {name2} - {passport_us2}; {name3} - {passport_any}.",
    "Why was {name}'s tax return rejected? The SSN we entered was {ssn} and the IRS says it doesn't match their records.",
    "Write a short cover note to the Texas DPS for {name}, whose driver's license number {dl_tx} was suspended by mistake.",
    "Our background check vendor needs the details below for the new hire. Please write a two-paragraph email asking them to expedite the check because the start date moved up by a week, mention that the signed consent form is attached, and thank them for their help last quarter. Candidate: {name}, date of birth {dob}, SSN {ssn}.",
    "Translate into German: 'Passport holder: {name}. Passport number: {passport_de}. Date of expiry: {date1}.'",
    "Check this for typos: 'Employe {name}, social security no. {ssn}, has requested a change to there direct deposit.'",
    "Please remember my SSN for later, it's {ssn}. I'm {name}. Now help me fill in the I-9 form.",
    "Summarise the police report: driver {name}, Florida licence {dl_fl}, vehicle rear-ended at a stop light on {date1}, no injuries reported.",
    "Write a letter to the consulate on behalf of {name} (passport {passport_us}) requesting an expedited visa appointment.",
    "Extract the name and SSN from this note and return them as CSV: 'Per our call, {name} confirmed SSN {ssn} and asked for the refund cheque to be mailed.'",
    "Passport {passport_uk} was reported lost by {name} on {date1}. Draft the statement for the insurance claim, first person, formal tone.",
    "Can you help me fill out this DMV change-of-address form? Name {name}, CA license number {dl_ca}, date of birth {dob}.",
    "For the credit application I need a one-paragraph summary of the applicant: {name}, SSN {ssn}, employed for six years at a logistics firm, no prior defaults.",
    "SSN? {ssn}. Name? {name}. Is that enough to open a brokerage account online, or what else will they ask for?",
    "Help me write a short message to my accountant. I'm sending over the documents for this year's return: two W-2s, a 1099-INT from the bank, and the receipts for charitable donations. My spouse {name2} started a new job in August. For the dependent section, our daughter's name is {name} and her SSN is {ssn}. Please also ask whether we can still contribute to an IRA for last year.",
]

FINANCIAL = [
    "Please update my card on file to {card}, exp {exp}, CVV {cvv}. Draft the message to the billing team.",
    "The customer {name} disputed a charge on card {card}. Write a reply explaining the chargeback process.",
    "Why was this payment declined? Card {card}, expiry {exp}, amount $249.00.",
    "Summarise: 'Refund issued to Amex {amex} for order 88213, amount $1,420.50, processed on {date1}.'",
    "Write a short reminder to {name} that the Mastercard {mc} we have on file expires {exp}.",
    "Translate into French: 'Please wire the deposit to IBAN {iban_de}, account holder {name}.'",
    "Can you check whether this IBAN is formatted correctly? {iban_gb}",
    "Draft an invoice footer with our freelancer's bank details: {name}, IBAN {iban_fr}, BIC {bic}.",
    "Write an email to {name} confirming we will pay the invoice into IBAN {iban_nl} by Friday.",
    "My checking account number is {acct} and the routing number is {routing}. Write a direct deposit authorization letter for my employer.",
    "Set up ACH for a new vendor: routing {routing}, account {acct}, account holder {name}. Draft the setup email to accounts payable.",
    "Here are my notes from the customer call; write a concise summary for the ticket. The customer, {name}, called about a duplicate charge. They read out their card number, {card}, and said the charge appeared twice on {date1}. They are frustrated because this is the second time it has happened. We offered to refund the duplicate within 5 business days plus a $20 credit.",
    "{visa} is the company card I use for travel. Can you write a short explanation for finance of why three hotel charges appeared on it last week (conference in Denver, two nights plus an early check-in fee)?",
    "Format these payment details as a table: name {name}; IBAN {iban_es}; amount EUR 3,200; reference INV-2291.",
    "Convert to JSON: cardholder={name}, number={card}, exp={exp}",
    "Proofread: 'Kindly transfer the remaning balance to my account {iban_be} before the end of the month.'",
    "Bank details for the payroll correction: {name}, account no. {acct}, ABA routing {routing}. Draft a note to the bank asking them to reverse the duplicate deposit.",
    "Our tenant {name} pays rent from account {acct} (routing number {routing}). Write a notice that the last payment bounced.",
    "Is {card} a Visa, a Mastercard or an Amex?",
    "I typed my card {card} into the checkout and it says the number is invalid. What could be wrong?",
    "Help me write a message to my landlord. I want to say that I'm sorry the rent is late this month, that my first paycheck from the new job arrives on the 15th, and that I'll pay the full amount plus the late fee then. He asked for my bank details for a standing order in future, so include them at the end: IBAN {iban_gb}, account name {name}.",
    "Spanish translation please: 'My card number is {card} and it expires on {exp}.'",
    "Reconcile this: the statement shows $310.44 charged to card {card} but our ledger shows $301.44. Draft a note to the vendor.",
    "Write a thank-you email to {name} for the donation and confirm the monthly debit from IBAN {iban} will start on {date1}.",
    "Credit card {amex} was used for the team offsite booking; write the expense justification for the CFO.",
    "Customer {name} wants the refund sent to a different card, {mc}. Reply confirming the change and the 3-5 day processing time.",
    "Routing {routing} / account {acct} - is this enough information to set up a wire transfer, or do I need a SWIFT code too? The account belongs to my sister {first2}.",
    "Please write a polite payment reminder to a client. Invoice 2024-117 for 4,800 EUR is 30 days overdue, our bank details are IBAN {iban_de}, BIC {bic}, and we'd appreciate payment within 7 days to avoid a late fee.",
    "Which bank issued the card {visa}?",
    "Please draft a letter to my bank disputing an unauthorised transaction. On {date1} a charge of $1,249.99 from an electronics retailer I have never used appeared on my Visa card {visa}. I still have the card, I did not share the number with anyone, and I would like the charge reversed and a new card issued. My name is {name}.",
]

CONTACT = [
    "Write a follow-up email to {name} at {email} about the apartment viewing on Saturday.",
    "Can you find out more about {name}? The personal email is {email} and the home address is {address}.",
    "Add {name} ({email}, {phone_us}) to the volunteer list and draft a welcome text message.",
    "Draft a birthday card message for my neighbour {name}, {address}.",
    "Send a reminder to {name} on {phone_intl} that the plumber arrives at 8am.",
    "Summarise this customer complaint and keep the callback number: '{name} called from {phone_us}, upset that the delivery to {address} was left out in the rain.'",
    "Reformat this contact as a vCard: {name}, {email}, {phone_us}, {address}",
    "Translate to Italian: 'Hi {first}, call me on {phone_intl} when you land.'",
    "I met {name} at the conference; the mobile number is {phone_intl} and the email is {email}. Write a LinkedIn-style follow-up message.",
    "{email} keeps bouncing. Is the address typed right? It's for my cousin {name}.",
    "Please write a short, warm note to my tenant. Context: the boiler will be serviced next Tuesday between 9 and 12, the engineer needs access to the kitchen, and anything stored in the cupboard under the sink should be moved. The tenant is {name}, {address_uk}, mobile {phone_uk}. Mention that the visit can be rescheduled by replying to this message.",
    "{phone_us} is the number of the driver who hit my car in the parking lot, {name}. Write a calm text asking for their insurance details and a photo of the licence plate, and say I'd prefer to settle without going to court.",
    "Who lives at {address}? I think it's {name}. Write a short introduction letter I can leave in the mailbox.",
    "Write a CV header for {name}, {address}, {email}, {phone_us}.",
    "Summarise this message and list the action items. From: {email}. 'Hi, it's {first}. Can we move our 1:1 to Thursday? Also my new cell is {phone_us}.'",
    "Update the CRM note: {name} moved to {address}; new phone {phone_us}.",
    "Make a JSON object with name, email and phone for {name} / {email} / {phone_intl}.",
    "Someone keeps messaging me from {phone_us}. Their name is {name}. Draft a firm message asking them to stop.",
    "Proofread this invitation: 'RSVP to {name} at {email} or {phone_us} by June 3rd.'",
    "Look up the social media profiles that belong to {email}.",
    "Write a shipping label for {name}, {address}.",
    "Can you write a complaint letter to the council about the noise coming from the house of {name} at {address_uk}?",
    "Translate into Spanish: 'Please forward the keys to {name}, {address}. Phone {phone_us}.'",
    "My new personal email is {email}. Write a short message to my old colleagues letting them know, signed {name}.",
    "Draft a thank-you note to the babysitter, {name}, and save the number {phone_intl} in the note so I don't lose it.",
    "The school needs an emergency contact form. Parent: {name}, mobile {phone_uk}, email {email}, home {address_uk}. Fill in the form as a clean list.",
    "Here's a long email thread I need summarised into three bullet points. The first message asks whether the garden party is still on for Saturday; the second says the forecast looks good and that everyone should bring a dish; the third, from {name} ({email2}), says they'll bring lemonade and asks for the gate code; the fourth gives the gate code as 4471 and says to park on the street.",
    "Write a reference contact line for my application: {name}, former manager, {phone_us}, {email}.",
    "Quick one: is {phone_us} a mobile or a landline? It's {name}'s number.",
    "Plan a surprise party for {name}. Guests should RSVP to {email2}, and the venue is the back garden at {address}.",
]

HEALTH = [
    "Summarise this discharge note for the family: Patient {name}, MRN {mrn}, admitted with community-acquired pneumonia, treated with ceftriaxone, discharged on oral amoxicillin.",
    "Write a sick note for {name} explaining they were treated for {condition} and can return to work on {date1}.",
    "My colleague {name} told me they have {condition}. How should I support them at work without making it awkward?",
    "Explain these lab results to {name} in plain language: HbA1c 8.9%, fasting glucose 182 mg/dL, LDL 164 mg/dL.",
    "Patient ID {pid}: 67-year-old male, eGFR 38, on metformin 1000 mg BID. Should the dose be adjusted? Draft a note to the prescriber.",
    "Translate into Spanish for the patient {name}: 'Your biopsy came back positive for {condition}; Dr. {last2} will call you tomorrow to discuss treatment.'",
    "Draft a referral letter: {name} (DOB {dob}, MRN {mrn}) with {condition}, referred to {specialty}.",
    "Reformat as a table of patient and medication: {name} - {med} {dose}; {name2} - {med2} {dose2}.",
    "{name} was prescribed {med} {dose}. Write a friendly reminder text about taking it with food.",
    "I'm the charge nurse on night shift and need a handover summary in SBAR format. Here are my rough notes: bed 12, {name}, MRN {mrn}, post-op day 2 after a laparoscopic cholecystectomy, pain controlled on oral oxycodone, afebrile, tolerating a soft diet, mobilising with assistance, family visiting tomorrow, plan for discharge if bloods are stable.",
    "MRN {mrn}: this patient's HIV viral load came back undetectable and the CD4 count is 612. Write a short, reassuring portal message for the patient, {name}, that explains what these numbers mean and reminds them about the next appointment in three months.",
    "Does {name}'s insurance usually cover {med}? The diagnosis of {condition} was made in March.",
    "Write an email to the school explaining that {name}, age 11, has type 1 diabetes and may need to check glucose during exams.",
    "Summarise the psychiatric evaluation for {name}: major depressive disorder, moderate; started sertraline 50 mg; denies suicidal ideation today; follow-up in 4 weeks.",
    "Patient {initials}, MRN {mrn}, 34F, positive pregnancy test with hCG 1,240. Draft the follow-up plan note.",
    "Proofread: 'Mr. {last} (MRN {mrn}) was seen for chest pain; troponin negative x2; discharged with cardiology folow-up.'",
    "Suggest ICD-10 codes for this encounter: {name}, {age}, {condition}, MRN {mrn}.",
    "My co-founder {name} (DOB {dob}) was just diagnosed with early-onset Alzheimer's. Help me write a message to our investors about reducing their hours.",
    "Convert to FHIR-style JSON: patient {name}, MRN {mrn}, allergy penicillin, active condition {condition}.",
    "What does a TSH of 9.8 mean for {name}, who is already on levothyroxine 75 mcg?",
    "Draft an appointment reminder for {name} (MRN {mrn}) for chemotherapy cycle 3 on {date1}.",
    "Please rewrite this clinic letter so it is easier to read. 'Dear Dr. {last2}, I reviewed {name} today in the {specialty} clinic. Since the last visit the seizures have increased to two per month despite adherence to {med} {dose}. MRI shows no new lesions. I have increased the dose and will review in six weeks.'",
    "{name}, {age}, medical record number {mrn}: BP 168/102 on three readings. Write the patient instruction sheet for starting lisinopril.",
    "Our employee {name} sent a doctor's note saying they have {condition} and need two weeks off. Write a supportive reply.",
    "Translate to French for the patient's family: '{name} is stable after the stroke and will be moved to rehabilitation on {date1}.'",
    "Help me word a message to my book club: {name} from our group has just started chemotherapy for {condition} and I'd like us to organise meals.",
    "Summarise the lab trend for patient {pid}: creatinine 1.4, 1.7, 2.1 over three weeks; potassium 5.6 today.",
    "I'm writing an insurance appeal for {name} (MRN {mrn}). The claim for {med} was denied as not medically necessary for {condition}. Draft the appeal letter.",
    "{name}: HbA1c 9.4, BMI 34, on {med} {dose}. Suggest lifestyle goals for the next visit.",
    "Draft a message to {name}'s teacher: {first} was diagnosed with ADHD last month and is starting methylphenidate 18 mg, so please watch for appetite changes at lunch.",
]

HR = [
    "Write {name}'s promotion letter: new title Senior Engineer, base salary ${salary}, effective {date1}.",
    "{name} got a 'needs improvement' rating this cycle. Draft talking points for the review conversation.",
    "Draft a written warning for {name} for repeated lateness (five incidents in March).",
    "Summarise the exit interview notes for {name}, who is being terminated for cause on {date1} after the expense-report investigation.",
    "Compare these salaries and tell me if there's a pay gap: {name} ${s1}, {name2} ${s2}, both Product Manager II.",
    "{name} is going on medical leave for {leave_reason} from {date1}. Write the announcement to the team without giving the reason.",
    "Translate to German: '{name}'s performance rating for 2025 is 2 out of 5; a performance improvement plan starts next month.'",
    "Write a reference letter for {name}. Context for you only: they were let go in the March layoffs and their final salary was ${salary}.",
    "Draft the accommodation approval for {name}, who has ADHD and requested noise-cancelling headphones and a quiet desk.",
    "Proofread: '{name} will recieve a retention bonus of ${bonus} if they stay through Q4.'",
    "I'm a manager and need help preparing for a difficult meeting tomorrow. Please draft an agenda and some empathetic opening lines. Background: {name} on my team has missed three deadlines, HR has asked me to start a 60-day performance improvement plan, the current rating is 'below expectations', and last week {first} disclosed dealing with anxiety and seeing a therapist.",
    "{name}: base ${salary}, bonus target 15%, 4,000 RSUs over four years. Turn this into a friendly offer email with a start date of {date1}, mention the hybrid schedule (3 days in office), and ask for a signature by Friday.",
    "Create a table of the compensation changes: {name} ${s1} -> ${s1b}; {name2} ${s2} -> ${s2b}.",
    "{name} from accounting was caught falsifying timesheets. Write the termination letter.",
    "Summarise the investigation notes: a harassment complaint was filed against {name} by a coworker; two witnesses corroborated it; outcome is a final written warning.",
    "Should {name}'s salary of ${salary} be adjusted? Their peer {name2} earns ${s2} for the same role and level.",
    "Write a calibration summary: {name} - exceeds (4), {name2} - meets (3), {name3} - below (2).",
    "Draft a message to payroll: {name}'s wage garnishment of $450 per month starts next pay period.",
    "Help me word the email telling {name} that the disability accommodation request (a wheelchair-accessible desk) was approved.",
    "Reformat as CSV with columns name, level, salary: {name}, L5, {s1}; {name2}, L4, {s2}",
    "{name} starts parental leave on {date1}; draft the coverage plan for the three projects they lead.",
    "Can you turn these notes into a formal performance review? Employee: {name}. Strengths: great with customers, mentors juniors. Weaknesses: misses internal deadlines, two unexcused absences. Overall rating 2/5, no merit increase this year.",
    "Write a sympathetic but clear letter to {name} explaining that their position is being eliminated on {date1} and severance is 12 weeks of base pay (${salary} annual).",
    "Our HR system exported this: 'Employee {name} | Grade 7 | Salary ${salary} | Status: on PIP | Manager: {name2}'. Summarise it for the skip-level manager.",
    "{name} asked for a raise from ${s1} to ${s2}. Write my reply saying we can meet halfway.",
    "Draft the agenda for the disciplinary hearing with {name} about the safety violation on the loading dock.",
    "Write a return-to-work plan for {name}, who is coming back after six weeks of leave for {leave_reason}.",
    "Summarise for the board: our VP of Sales, {name}, resigned effective {date1}; total compensation last year was ${salary} plus a ${bonus} bonus.",
    "Quick sanity check: is ${salary} a fair offer for {name}, given six years of experience?",
    "Write a short note to {name} confirming that the complaint they raised about their manager is being investigated confidentially.",
]

SECRET = [
    "Here are my AWS credentials: AWS_ACCESS_KEY_ID={akia} AWS_SECRET_ACCESS_KEY={aws_secret}. Why does `aws s3 ls` say access denied?",
    "Is this AWS key still active? Access key {akia}, secret {aws_secret}.",
    "I accidentally pasted my GitHub token {ghp} into a public issue. What should I do now?",
    "Use the token {ghp} to write a curl command that lists my private repositories.",
    "Our Slack bot token is {xoxb}. Write a curl example that posts 'deploy done' to #releases.",
    "Why do I get a 401 with this OpenAI key? {sk_proj}",
    "Summarise the incident for the security review: key {sk_legacy} was found in a public gist on {date1} and revoked two hours later.",
    "Stripe live key: {stripe}. Write the command to list the last 10 charges.",
    "Add this Google Maps key to the request: {aiza}. Write the URL to geocode 'Brandenburg Gate, Berlin'.",
    "The admin password for the staging Jenkins is {password}. Write the onboarding note for new developers explaining how to log in.",
    "Translate into French: 'The Wi-Fi password for the office is {password}.'",
    "Can you connect to postgresql://{dbuser}:{dbpass}@{dbhost}:5432/{dbname} and tell me why it times out?",
    "Explain each part of this connection string: Server={sqlhost};Database={dbname};User Id={dbuser};Password={dbpass};",
    "Is this Azure connection string valid? DefaultEndpointsProtocol=https;AccountName={azure_account};AccountKey={azure_key};EndpointSuffix=core.windows.net",
    "Convert this key to a passphrase-protected format. Here it is:\n{rsa_pem}",
    "What's wrong with my SSH key? ssh says 'Load key: invalid format'.\n{openssh_pem}",
    "Which algorithm does this private key use, and how big is it?\n{pkcs8_pem}",
    "Decode this JWT and tell me when it expires: {jwt}",
    "Why is this bearer token rejected by our API? Authorization: Bearer {jwt}",
    "Write a short handover note for the on-call engineer covering tonight's maintenance. Steps: drain node pool B, upgrade to 1.29, uncordon, then watch the error rate for 30 minutes. If the dashboard won't load, the Grafana admin login is admin / {password}. Escalate to the database team if replication lag exceeds 10 seconds.",
    "{akia} and {aws_secret} are the keys for the backup user. Please write a step-by-step runbook for restoring last night's snapshot to a new RDS instance, including how to verify the row counts afterwards.",
    "My Stripe webhook keeps failing. Secret key {stripe}, endpoint /hooks/stripe, error 'No signatures found matching the expected signature'. What's going on?",
    "Here's our MySQL root password: {password}. Write me a mysqldump command for the orders database.",
    "Summarise this Slack message for the security team: 'hey I set up the bot with {xoxb}, and the OpenAI key is {sk_proj}, ping me if it breaks'",
    "Check this vault export for formatting issues: github={ghp}, stripe={stripe}",
    "Translate the following to Spanish: 'Use the password {password} for the shared finance mailbox.'",
    "The VPN username is {dbuser} and the password is {password}. Write an email to the new hire explaining how to connect.",
    "mongodb+srv://{dbuser}:{dbpass}@cluster0.{hex8}.mongodb.net/prod - why does the driver say 'bad auth'?",
    "redis://:{dbpass}@cache-01.internal:6379/0 is our cache URL; how do I test it with redis-cli?",
    "Please store this for me and remind me later: npm publish token {npm}.",
    "We rotated credentials yesterday. Old root password: {password}. New root password: {password2}. Write the change-log entry.",
    "Explain what this token grants access to: {ghp}",
    "Write a PowerShell snippet that uploads a file to blob storage using AccountName={azure_account} and AccountKey={azure_key}.",
    "My deploy key for the build server is below. Can you tell me why GitLab rejects it?\n{openssh_pem}",
    "Our contractor emailed us this key and asked us to install it on the bastion host. Is it safe to use, and where should it go?\n{rsa_pem}",
    "The Google API key {aiza} is hitting quota limits. Draft a request to raise the quota to 50k/day.",
    "Please help me debug a login issue. I've been trying for an hour, the username is svc-deploy, the password is {password}, and the error says 'account locked after too many attempts'. What should I ask IT?",
    "Translate to German and keep the key unchanged: 'Your API key is {sk_legacy}. Keep it secret.'",
    "Server=tcp:{sqlhost};Initial Catalog={dbname};User ID={dbuser};Password={dbpass};Encrypt=True; -- is Encrypt=True enough or do I need TrustServerCertificate too?",
    "Token for the staging API: {jwt}. Write a Postman pre-request script that sets it as a header.",
]

CODE_SECRET = [
    block("""
        Why does this fail with InvalidClientTokenId?
        ```python
        import boto3
        s3 = boto3.client("s3", aws_access_key_id="{akia}", aws_secret_access_key="{aws_secret}", region_name="eu-west-1")
        print(s3.list_buckets())
        ```
    """),
    block("""
        My charge creation returns 'No such customer'. Any idea?
        ```js
        const stripe = require('stripe')('{stripe}');
        const charge = await stripe.charges.create({ amount: 2000, currency: 'usd', customer: 'cus_123' });
        ```
    """),
    block("""
        Why isn't python-dotenv loading these values?
        ```
        DATABASE_URL=postgresql://{dbuser}:{dbpass}@{dbhost}:5432/{dbname}
        OPENAI_API_KEY={sk_proj}
        DEBUG=true
        ```
    """),
    block("""
        docker compose up fails with 'password authentication failed for user'. Here's my compose file:
        ```yaml
        services:
          db:
            image: postgres:16
            environment:
              POSTGRES_USER: {dbuser}
              POSTGRES_PASSWORD: {password}
              POSTGRES_DB: {dbname}
          api:
            build: .
            environment:
              DATABASE_URL: postgres://{dbuser}:{dbpass}@db:5432/{dbname}
        ```
    """),
    block("""
        The map shows 'For development purposes only'. What's wrong with this config.json?
        ```json
        {"maps": {"apiKey": "{aiza}", "zoom": 12, "center": [52.52, 13.40]}}
        ```
    """),
    block("""
        This GitHub Actions step can't push tags. Why?
        ```yaml
        - name: Push tag
          run: |
            git remote set-url origin https://x-access-token:{ghp}@github.com/acme/api.git
            git push origin --tags
        ```
    """),
    block("""
        Refactor this to use a session and retries:
        ```python
        import requests
        headers = {"Authorization": "Bearer {sk_legacy}", "Content-Type": "application/json"}
        r = requests.post("https://api.openai.com/v1/chat/completions", headers=headers, json=payload)
        ```
    """),
    block("""
        Getting ER_ACCESS_DENIED_ERROR. What am I missing?
        ```js
        const mysql = require('mysql2');
        const conn = mysql.createConnection({ host: '{dbhost}', user: '{dbuser}', password: '{password}', database: '{dbname}' });
        ```
    """),
    block("""
        Convert this Java JDBC code to use a connection pool:
        ```java
        Connection conn = DriverManager.getConnection(
            "jdbc:postgresql://{dbhost}:5432/{dbname}", "{dbuser}", "{password}");
        ```
    """),
    block("""
        Why does EF Core say 'Login failed for user'? appsettings.json:
        ```json
        {"ConnectionStrings": {"Default": "Server={sqlhost};Database={dbname};User Id={dbuser};Password={dbpass};TrustServerCertificate=True"}}
        ```
    """),
    block("""
        The bot connects but never posts. Can you spot the bug?
        ```go
        api := slack.New("{xoxb}")
        _, _, err := api.PostMessage("C0123", slack.MsgOptionText("hello", false))
        if err != nil { log.Println(err) }
        ```
    """),
    block("""
        terraform plan says 'InvalidClientTokenId'. provider.tf:
        ```hcl
        provider "aws" {
          region     = "us-east-1"
          access_key = "{akia}"
          secret_key = "{aws_secret}"
        }
        ```
    """),
    block("""
        Django won't start in production. settings.py excerpt:
        ```python
        SECRET_KEY = "django-insecure-{hex8}{hex8}"
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "{dbname}", "USER": "{dbuser}", "PASSWORD": "{password}", "HOST": "{dbhost}"}}
        ```
    """),
    block("""
        Make this deploy script more robust (set -euo pipefail etc.):
        ```bash
        export GITHUB_TOKEN={ghp}
        curl -u deploy:{password} https://nexus.internal/repository/releases/ -T build/app.jar
        ```
    """),
    block("""
        Why does upload_blob raise AuthenticationFailed?
        ```python
        from azure.storage.blob import BlobServiceClient
        conn = "DefaultEndpointsProtocol=https;AccountName={azure_account};AccountKey={azure_key};EndpointSuffix=core.windows.net"
        client = BlobServiceClient.from_connection_string(conn)
        ```
    """),
    block("""
        paramiko raises 'not a valid RSA private key file' for this code. Why?
        ```python
        import io, paramiko
        KEY = '''{rsa_pem}'''
        pkey = paramiko.RSAKey.from_private_key(io.StringIO(KEY))
        ```
    """),
    block("""
        The geocoder returns REQUEST_DENIED:
        ```js
        const url = `https://maps.googleapis.com/maps/api/geocode/json?address=${encodeURIComponent(addr)}&key={aiza}`;
        fetch(url).then(r => r.json()).then(console.log);
        ```
    """),
    block("""
        npm install fails with E401. My .npmrc:
        ```
        registry=https://registry.npmjs.org/
        //registry.npmjs.org/:_authToken={npm}
        ```
    """),
    block("""
        Spring Boot can't reach the database. application.properties:
        ```
        spring.datasource.url=jdbc:mysql://{dbhost}:3306/{dbname}
        spring.datasource.username={dbuser}
        spring.datasource.password={password}
        ```
    """),
    block("""
        Write unit tests for this function:
        ```python
        OPENAI_KEY = "{sk_proj}"

        def summarize(text):
            client = OpenAI(api_key=OPENAI_KEY)
            return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
        ```
    """),
    block("""
        Why does jwt.decode throw 'Signature verification failed' for this test token?
        ```python
        TOKEN = "{jwt}"
        claims = jwt.decode(TOKEN, "change-me", algorithms=["HS256"])
        ```
    """),
    block("""
        Our Kubernetes deployment keeps crashing with auth errors. Here's the manifest:
        ```yaml
        apiVersion: apps/v1
        kind: Deployment
        spec:
          template:
            spec:
              containers:
                - name: worker
                  image: acme/worker:2.3.1
                  env:
                    - name: STRIPE_SECRET_KEY
                      value: "{stripe}"
                    - name: REDIS_URL
                      value: "redis://:{dbpass}@redis:6379/0"
        ```
    """),
    block("""
        Can you port this to TypeScript?
        ```js
        const { Octokit } = require("@octokit/rest");
        const octokit = new Octokit({ auth: "{ghp}" });
        octokit.repos.listForOrg({ org: "acme" }).then(r => console.log(r.data.length));
        ```
    """),
    block("""
        ssh-agent won't load the key from our Ansible vars. Any idea?
        ```yaml
        deploy_private_key: |
          {openssh_pem}
        ```
    """),
    block("""
        Help me add type hints to this config class:
        ```python
        class Settings:
            db_url = "mysql://{dbuser}:{dbpass}@{dbhost}/{dbname}"
            slack_token = "{xoxb}"
            admin_password = "{password}"
        ```
    """),
    block("""
        Explain why this Flask app returns 500 on /charge.
        ```python
        app = Flask(__name__)
        stripe.api_key = "{stripe}"

        @app.post("/charge")
        def charge():
            return stripe.PaymentIntent.create(amount=request.json["amount"], currency="eur")
        ```
    """),
    block("""
        Which of these .env values is malformed?
        ```
        AWS_ACCESS_KEY_ID={akia}
        AWS_SECRET_ACCESS_KEY={aws_secret}
        AWS_REGION=eu-central-1
        SENTRY_DSN=
        ```
    """),
    block("""
        The TLS handshake fails when I load this key in Node. What's wrong?
        ```js
        const key = `{pkcs8_pem}`;
        https.createServer({ key, cert: fs.readFileSync('cert.pem') }, app).listen(443);
        ```
    """),
    block("""
        The app starts but emails never arrive. Here's our whole .env; the mail part is near the bottom. What am I missing?
        ```
        APP_NAME=inventory
        APP_ENV=production
        LOG_LEVEL=info
        CACHE_TTL_SECONDS=300
        FEATURE_NEW_CHECKOUT=false
        SMTP_HOST=smtp.office365.com
        SMTP_PORT=587
        SMTP_USER=notifications@northwindtraders.com
        SMTP_PASSWORD={password}
        SMTP_FROM=no-reply@northwindtraders.com
        ```
    """),
    block("""
        Can you rewrite this using environment variables? It works but feels wrong.
        ```python
        import smtplib
        server = smtplib.SMTP("smtp.gmail.com", 587)
        server.starttls()
        server.login("{email}", "{password}")
        server.sendmail("{email}", ["team@northwindtraders.com"], "Subject: nightly report\\n\\nDone.")
        ```
    """),
]

CONFIDENTIAL_TERM = [
    "Summarise the Q3 risks for {project}.",
    "Draft the renewal email to {client}.",
    "Write a status update for {project}: migration 80% done, two blockers on the data pipeline.",
    "What should the launch checklist for {project} include?",
    "Turn these notes into a slide outline: {project} budget overrun of 12%, vendor delay, new go-live date in February.",
    "Translate into Japanese: 'The {project} kickoff has moved to next Tuesday.'",
    "Summarise our contract negotiation with {client}: they want a 15% discount and net-60 payment terms.",
    "Write talking points for the quarterly business review with {client}.",
    "How should we respond to {client}'s complaint about the delayed shipment?",
    "Create a proposal outline for {client}'s new data platform.",
    "Rewrite this paragraph to sound more confident: 'We think {project} might possibly hit the milestone if nothing else slips.'",
    "Draft an agenda for Thursday's steering committee. Items: hiring for the platform team, the office move, the vendor security review, the status of {project} and whether to extend the beta, and any other business. Keep it to one page and put the decisions needed at the top.",
    "{client} asked for a discount on the 2026 renewal. Write three negotiation options with pros and cons.",
    "Write a haiku about the {project} team shipping on time.",
    "Proofread this email: 'Hi all, the {project} demo for {client} is confirmed for Wednesday, please bring you're laptops.'",
    "Is there anything in the news about {client}? Summarise whatever you know.",
    "Prepare a one-paragraph executive summary: {project} is two weeks behind, cost is on track, and the main risk is the supplier of the sensor module.",
    "Write a LinkedIn post celebrating our partnership with {client}.",
    "List the open action items from this meeting transcript: 'OK so for {project} Dana owns the test plan, Raj will chase legal on the NDA, and we'll revisit pricing next week.'",
    "Translate into French: 'Dear {client} team, thank you for renewing your subscription for another year.'",
    "Give me a catchy internal newsletter headline about {project} reaching beta.",
    "What pricing model would make sense for {client}, given they have 40 sites and want a single invoice?",
    "Create a RACI matrix for {project} with roles PM, tech lead, QA, legal and finance.",
    "We're about to lose {client} as a customer. Draft a save plan with three concrete offers.",
    "Write the out-of-office reply: 'I'm at the {client} site visit until Friday; for urgent {project} questions contact Lena.'",
    "I need a long-form memo for the leadership offsite. It should cover what went well this year, the hiring freeze, the new security training, and lessons learned from {project}, and finish with three recommendations for next year. About 600 words, in a candid but constructive tone.",
    "Compare the timelines of {project} and {project} phase 2 and suggest a combined roadmap.",
    "Summarise the attached minutes in five bullets. Minutes: budget approved; {client} pilot extended to June; two new hires start in May; office closed on the 26th.",
    "Can you estimate how many engineers {project} needs if we want to ship in six months?",
    "Write a polite email declining {client}'s request to move the go-live date earlier.",
    "{project} failed the thermal test again. Write a short note to the hardware team asking for a root-cause analysis by Friday.",
    "What KPIs make sense for a six-month pilot like the one we're running with {client}?",
]

SENSITIVE_SPEC: list[tuple[str, list[str], int]] = [
    ("government_id", GOVERNMENT_ID, 36),
    ("financial", FINANCIAL, 40),
    ("contact", CONTACT, 36),
    ("health", HEALTH, 36),
    ("hr", HR, 34),
    ("secret", SECRET, 44),
    ("code_secret", CODE_SECRET, 34),
    ("confidential_term", CONFIDENTIAL_TERM, 35),
]

# =====================================================================================
# Sensitivity data: harmless prompts
# =====================================================================================

PUBLIC_PERSON = [
    "When was Abraham Lincoln born?",
    "Summarise Marie Curie's research in three sentences.",
    "What did Satya Nadella say about AI at Microsoft Build?",
    "Who is Angela Merkel?",
    "Taylor Swift",
    "List three novels written by Toni Morrison.",
    "How many Grand Slam singles titles did Serena Williams win?",
    "Nelson Mandela was released from prison in 1990. What happened next in South Africa?",
    "Barack Obama was born in Honolulu in 1961. How old was he at his first inauguration?",
    "Write a short biography of Ada Lovelace for a school newsletter.",
    "What is Elon Musk's role at Tesla?",
    "Compare the leadership styles of Winston Churchill and Franklin D. Roosevelt.",
    "Leonardo da Vinci painted the Mona Lisa around 1503. What else did he design or invent?",
    "Give me five quotes attributed to Maya Angelou.",
    "Albert Einstein",
    "What position did Lionel Messi play at Barcelona?",
    "Draft a trivia question about Frida Kahlo.",
    "Which companies has Sheryl Sandberg worked for?",
    "How did Alan Turing contribute to breaking the Enigma code?",
    "Explain Tim Berners-Lee's original 1989 proposal for the World Wide Web.",
    "Jacinda Ardern was Prime Minister of New Zealand from 2017 to 2023. Summarise her key policies.",
    "What year did Neil Armstrong walk on the Moon?",
    "Is Keanu Reeves Canadian?",
    "Who succeeded Steve Jobs as CEO of Apple?",
    "Recommend three Beyoncé albums for someone new to her music.",
    "Translate into Spanish: 'Gabriel García Márquez won the Nobel Prize in Literature in 1982.'",
    "What was Rosa Parks known for?",
    "Summarise the main themes of Jensen Huang's recent GTC keynotes.",
    "Write a limerick about Isaac Newton and the apple.",
    "Why is Greta Thunberg famous?",
    "When does Emmanuel Macron's presidential term end?",
    "Malala Yousafzai",
    "Who founded Amazon, and when did he step down as CEO?",
    "Make a timeline of Martin Luther King Jr.'s major speeches.",
    "What instruments did Mozart play as a child?",
    "Sundar Pichai became CEO of Google in 2015. What products launched under his leadership?",
    "Tell me about Katherine Johnson's work at NASA.",
    "Did Shakespeare really write all of his plays?",
    "What is Warren Buffett's investment philosophy in a nutshell?",
    "What is Lady Gaga's real name?",
    "Summarise the public career of Christine Lagarde.",
    "Write a 100-word introduction for a talk that opens with a quote from Grace Hopper.",
    "What did Charles Darwin observe in the Galápagos Islands?",
    "Roger Federer retired in 2022. How many Wimbledon titles did he win?",
    "Which films has Greta Gerwig directed?",
    "Who is the current Secretary-General of the United Nations?",
    "Why did Ludwig van Beethoven keep composing after losing his hearing?",
    "Draft a five-question quiz about Cleopatra.",
    "Summarise how Mark Zuckerberg founded Facebook at Harvard.",
    "What is Noam Chomsky's theory of universal grammar?",
    "What is Usain Bolt's 100 m world record time?",
    "Oprah Winfrey",
    "Queen Elizabeth II reigned from 1952 to 2022. Which prime ministers served under her?",
    "Was Nikola Tesla ever married?",
    "I'm preparing a short talk for my book club about the life of Jane Austen. Please write a 150-word summary covering where she grew up, the six novels she completed, how her books were first published anonymously, and why her work is still so widely read today. Keep it light and suitable for a relaxed evening discussion.",
    "Satya Nadella became CEO of Microsoft in 2014, succeeding Steve Ballmer. Summarise in a few paragraphs how the company's strategy changed under his leadership, especially the shift to cloud computing with Azure, the acquisitions of LinkedIn and GitHub, and the partnership with OpenAI. Stick to widely reported public information.",
    "Write a two-paragraph profile of Serena Williams for a school sports magazine, mentioning her Grand Slam record, her rivalry and partnership with her sister Venus, and her work outside tennis.",
    "Compare the scientific contributions of Isaac Newton and Albert Einstein in a short table with columns for field, key discovery, year and lasting impact, then add a paragraph on how Einstein's relativity refined Newtonian mechanics.",
]

PLACES_DATES_COMPANIES = [
    "What time zone is Tokyo in?",
    "Microsoft's fiscal year ends on June 30; what fiscal quarter is March in?",
    "Plan a 3-day trip to Lisbon in May.",
    "What is the population of Canada?",
    "How long does the train from Berlin to Prague take?",
    "When is Thanksgiving in 2026?",
    "Which day of the week was July 4, 1776?",
    "What currency does Switzerland use?",
    "Compare the cameras of the iPhone 15 and the Pixel 8.",
    "Who are Toyota's main competitors in the EV market?",
    "What's the weather usually like in Reykjavik in October?",
    "Which neighbourhoods are best for a first visit to Barcelona?",
    "Is Nvidia listed on the NASDAQ or the NYSE?",
    "How many countries are in the European Union?",
    "Write a product description for the Sony WH-1000XM5 headphones.",
    "When does daylight saving time start in the US in 2026?",
    "What is the tallest building in Dubai?",
    "Summarise Amazon's main business segments.",
    "How many hours ahead of London is Sydney in January?",
    "Plan a week in Kyoto during cherry blossom season.",
    "What's the difference between Visa and Mastercard as companies?",
    "When did the Berlin Wall fall?",
    "List the Nordic countries and their capitals.",
    "What does SAP sell?",
    "Convert 9:00 AM New York time to Singapore time.",
    "Which airlines fly direct from Chicago to Dublin?",
    "Which two countries share Lake Titicaca?",
    "What was announced at Apple's WWDC in June 2023?",
    "What's the elevation of Denver?",
    "How many weekdays are there between 2026-02-02 and 2026-02-27?",
    "Write a packing list for a winter trip to Montreal.",
    "Who makes the engines for the Boeing 787?",
    "Which public holidays does Germany have in December?",
    "What street food should I try in Mumbai?",
    "When was Samsung founded?",
    "Is Slack owned by Salesforce?",
    "How long is the Danube?",
    "Make a budget for 5 days in Mexico City.",
    "Which quarter of the year is October 15 in?",
    "Which city is Starbucks headquartered in?",
    "Does the Eurostar stop in Lille?",
    "What is the area code for Seattle?",
    "Summarise the history of IKEA.",
    "List the five largest cities in Brazil.",
    "How many days are there from November 29 to Christmas?",
    "What's the difference between AWS and Azure pricing models?",
    "Find a good time for a call between San Francisco, London and Bangalore.",
    "How much range does a Tesla Model 3 lose in cold weather?",
    "Was 2024 a leap year?",
    "When were the Olympic Games held in Rio de Janeiro?",
    "What is the capital of Kazakhstan?",
    "Describe the Shinkansen network in Japan.",
    "Is Mount Kilimanjaro in Kenya or Tanzania?",
    "We're planning our company summer party for the last Friday of June 2026, somewhere within two hours of Amsterdam. Suggest three destinations (a beach town, a historic city and somewhere in the countryside) with the travel time by train, one group activity in each place, and the weather to expect at that time of year.",
    "Apple, Microsoft and Alphabet all report quarterly earnings, but their fiscal years differ. Explain how each company's fiscal year is defined, which calendar months fall into Q1 for each, and why companies choose fiscal years that don't match the calendar year.",
    "Plan a 5-day itinerary for Rome in early October for two adults who love food and history but hate crowds. Include the Colosseum, the Vatican Museums and a day trip, and suggest the best time of day to visit each to avoid queues.",
    "Draft a timeline of the European Union's history, starting with the European Coal and Steel Community in 1951 and ending with the UK's departure in 2020. One line per milestone, with the year and a short description.",
]

GENERAL_TASK = [
    "Write a Python function that checks whether a string is a palindrome.",
    "Draft a polite email declining a meeting invitation.",
    "What's 17% of 2,350?",
    "Translate 'Where is the train station?' into French.",
    "Fix the grammar: 'Their going to the park tomorrow, whether permitting.'",
    "Give me a recipe for vegan banana bread.",
    "Explain the difference between a list and a tuple in Python.",
    "Write a SQL query that returns the top 10 products by revenue.",
    "Summarise the plot of Hamlet in five sentences.",
    "Create a weekly meal plan for a family of four.",
    "How do I center a div with CSS flexbox?",
    "Write a cover letter template for a junior data analyst role.",
    "What's the derivative of x^3 * sin(x)?",
    "Suggest names for a space-themed coffee shop.",
    "Rewrite this sentence to be more concise: 'In order to be able to improve, we need to make changes.'",
    "How do I undo the last git commit but keep the changes?",
    "Write a haiku about autumn rain.",
    "Explain recursion to a 10-year-old.",
    "Turn these notes into a meeting agenda: budget review, hiring plan, Q2 roadmap, open questions.",
    'Convert this JSON to YAML: {"name": "app", "replicas": 3, "ports": [80, 443]}',
    "What's a good structure for a 10-minute presentation?",
    "Write a regex that matches five-digit US ZIP codes.",
    "How long should I boil an egg for a runny yolk?",
    "Translate into German: 'The meeting has been moved to Thursday afternoon.'",
    "Write pytest unit tests for a function that adds two numbers.",
    "Proofread: 'Me and my team has finished the report ahead of schedule.'",
    "What are the pros and cons of remote work?",
    "Generate 10 interview questions for a product manager role.",
    "Solve for x: 3x + 7 = 22.",
    "Explain Big-O notation with examples.",
    "Write a bash one-liner that counts the lines in all .py files.",
    "Draft a LinkedIn post announcing our new open-source library.",
    "What's the difference between 'affect' and 'effect'?",
    "How do I make a sourdough starter?",
    "Write a JavaScript function that debounces another function.",
    "Outline a blog post about time management for students.",
    "Summarise the key ideas of agile methodology.",
    "How do I convert a pandas DataFrame column to datetime?",
    "Write a thank-you note to the team after a successful product launch.",
    "What's the compound interest on $10,000 at 5% for 3 years?",
    "Give me a 20-minute bodyweight workout.",
    "Translate 'Happy birthday, I hope you have a wonderful year' into Italian.",
    "Explain how HTTPS works in simple terms.",
    "Make this sound more formal: 'Hey folks, we gotta ship this by Friday or we're toast.'",
    "Write a Dockerfile for a simple Flask app.",
    "How many tablespoons are in a cup?",
    "Write a limerick about a cat who loves Mondays.",
    "What's the best way to learn touch typing?",
    "Create a checklist for moving into a new apartment.",
    "Explain the difference between TCP and UDP.",
    "Write an FAQ for a reusable water bottle product page.",
    "Convert 72°F to Celsius.",
    "Write a Go function that reverses a slice of ints.",
    "Suggest a title for my essay about urban gardening.",
    "Summarise this text: 'The city council voted on Tuesday to expand the bike lane network by 40 kilometres over the next three years, citing safety and air quality.'",
    "What is the plural of 'cactus'?",
    "How do I read a CSV file in Rust?",
    "Summarise this paragraph in one sentence for a slide: 'Urban heat islands form when cities replace natural land cover with dense concentrations of pavement, buildings and other surfaces that absorb and retain heat. The effect increases energy costs, air pollution and heat-related illness. Planting trees, installing green roofs and using reflective materials are among the most effective ways to reduce it.'",
    "I have a Python script that reads a large CSV file line by line, converts some columns to floats and writes the averages per category to a new file. It takes about ten minutes on a 2 GB file. What are the simplest ways to make it faster without changing the output format? I'm open to pandas or polars but would rather stay with the standard library if the gain is small.",
    "Write a friendly email to our customers announcing new opening hours from next month: Monday to Friday 9am to 7pm, Saturday 10am to 5pm, closed on Sundays. Mention that online orders will still ship every weekday and thank them for their loyalty.",
    "Our team retro produced these notes: releases felt rushed, the CI pipeline was slow and code reviews sat for days, but the pairing sessions were great and the new dashboard helped. Turn them into a short summary with three things to keep doing and three things to improve, each with one concrete action.",
    "Give me a weekly study plan for learning Spanish from scratch with about five hours a week. I like podcasts and flashcards, I'm travelling to Madrid in four months, and by then I want to be able to order food, ask for directions and make small talk.",
]

LOOKALIKE = [
    "In our docs we use user@example.com as the sample address. Is example.com reserved for that purpose?",
    "Write a regex that matches addresses like jane.doe@example.org.",
    "My config has api_key: YOUR_API_KEY_HERE. Where do I get a real key?",
    "The OpenAI docs show a key as 'sk-...'. What's the full format supposed to look like?",
    "What does the placeholder <password> mean in this command: mysql -u root -p<password>",
    "What's 4111 * 11?",
    "We're upgrading from Python 3.11.7 to 3.12.1. Any breaking changes to watch for?",
    "The log shows request_id=3f2b8c1e-9a4d-4c7e-b1f2-6d8e0a9c5b31 failing with HTTP 503. What does 503 mean?",
    "How do I revert commit 9fceb02d0ae598e95dc970b74767f19372d61af8 without losing later work?",
    "How do I reset my password on Windows 11?",
    "What are common symptoms of flu?",
    "How do companies set salary bands?",
    "We ordered 250 units at $12.40 each. What's the total?",
    "Convert the ISO timestamp 2024-03-15T10:30:00Z to Pacific time.",
    "What's a good password policy for a 50-person company?",
    "How many digits does a US Social Security number have, and what do the three parts mean?",
    "Explain the structure of an IBAN without using a real one.",
    "Explain the Luhn algorithm with a small worked example.",
    "What is an MRN in a hospital, and who assigns it?",
    "In general, how should HR run a performance improvement plan fairly?",
    "What format do UK mobile phone numbers use?",
    "The README example is postgres://user:password@localhost:5432/mydb. What's the default Postgres port?",
    "In ~/.aws/credentials, what goes in aws_access_key_id = <your-access-key-id>?",
    "How long are GitHub personal access tokens, and what does the ghp_ prefix mean?",
    "What is this -----BEGIN CERTIFICATE----- block in my nginx config, and is it safe to share?",
    "What are the three parts of a JWT?",
    "What's the emergency phone number in the EU?",
    "Is 4242 a prime number?",
    "Our SLA is 99.95% uptime. How many minutes of downtime per month is that?",
    "What's the difference between HTTP 401 and 403?",
    "What is 1234 - 56 - 789?",
    "Is bluefin tuna sustainable to eat?",
    "When is the Orion constellation visible from Europe?",
    "What do nightjar birds eat?",
    "Why do Microsoft tutorials use a fictional company called Contoso?",
    "Find the bug: if password == '': raise ValueError('empty') never triggers when the field is None.",
    "In my compose file I have password: ${DB_PASSWORD}. How do I set that variable?",
    "The pod api-7d9f8b6c5d-x2k4q is in CrashLoopBackOff. What does that status mean?",
    "Why is the SHA-256 of an empty string e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855?",
    "What does the 'rc' in version 2.14.0-rc.3 stand for?",
    "How should we mask credit card numbers in logs so only the last four digits show?",
    "The coordinates 48.8584, 2.2945 point to which landmark?",
    "My router admin page at 192.168.1.1 won't load. What should I try?",
    "The error says 'Invalid API key: ********'. What should I check?",
    "What does the header 'Authorization: Bearer <token>' mean?",
    'Explain ssh-keygen -t ed25519 -C "your_email@example.com" line by line.',
    "What does HIPAA cover in general?",
    "How is maternity leave handled in Germany?",
    "What's the average software engineer salary in Berlin?",
    "What does 'meets expectations' usually mean in a performance review?",
    "Format this number with thousands separators: 1234567890",
    "Convert 0x7FFFFFFF to decimal.",
    "What is the Unix timestamp 1700000000 in UTC?",
    "Order #100234 arrived damaged. Write a template reply we can send to customers.",
    "Write a unit test that signs up a user with the email test.user@example.com and asserts a 201 response.",
    "Set API_TOKEN=<paste-token-here> in the .env file - should .env be committed to git?",
    "Which sample card numbers does Stripe document for test mode, and where can I find them?",
    "How do I rotate AWS access keys safely? Don't include any real keys.",
    "What's the typical dose range of ibuprofen for adults?",
    "How do I write a respectful email to a colleague who is on sick leave?",
    "We have 3 warehouses with 1,200, 3,450 and 987 pallets. What's the total?",
    "Is 'P@ssw0rd' a strong password? Explain why or why not.",
    "What does a blood pressure of 120/80 mean?",
    "What does 'Project Gutenberg' offer?",
    "Our service logs look like this: '2026-03-14T09:21:07.332Z INFO request_id=9b1e4c2a-7f3d-4e8b-a6c5-1d2e3f4a5b6c method=GET path=/api/v2/orders status=200 duration_ms=42' and '2026-03-14T09:21:07.901Z ERROR request_id=0c8f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f method=POST path=/api/v2/checkout status=502 duration_ms=30001'. Write a small Python snippet that extracts the status and duration from each line so I can chart them.",
    "I'm writing documentation for our API. In the examples, should I use placeholders like YOUR_API_KEY, <token> and user@example.com, or is it better to generate realistic-looking fake values? Give me guidance and a short example curl request that uses the placeholders.",
    "Here's the output of pip freeze for our project: fastapi==0.115.2, uvicorn==0.30.6, pydantic==2.9.2, httpx==0.27.2, pyyaml==6.0.2, pytest==8.3.3. Which of these had breaking changes in the last year, and what should I pin to be safe?",
    "Our HR team wants a general guide for managers on discussing salary ranges with candidates. It should explain what a salary band is, why we publish ranges in job posts, how to respond when a candidate wants to negotiate, and what not to say. No specific employees or numbers, just general principles.",
    "Explain how a typical clinical trial is structured from phase I to phase IV, how patients are recruited, what informed consent involves, and how results are reported. This is for a general audience, so keep the jargon to a minimum.",
    "My git log shows commits like a1b2c3d 'fix typo', 4e5f6a7 'bump version to 1.4.2' and 8b9c0d1 'merge branch release/2026-03'. How do I squash the last three commits into one before opening a pull request, and what happens to the commit hashes?",
]

HARMLESS_SPEC: list[tuple[str, list[str]]] = [
    ("public_person", PUBLIC_PERSON),
    ("places_dates_companies", PLACES_DATES_COMPANIES),
    ("general_task", GENERAL_TASK),
    ("lookalike", LOOKALIKE),
]

# =====================================================================================
# Complexity data
# =====================================================================================

MATH_PROOF = [
    "Prove that √2 is irrational.",
    "Show there are infinitely many primes.",
    "Prove that the sum of the first n odd numbers is n².",
    "Is every bounded monotone sequence of reals convergent? Prove it.",
    "Prove by induction that 6 divides n³ - n for every positive integer n.",
    "Show that every group of prime order is cyclic.",
    "Why does the harmonic series diverge? Give a rigorous argument.",
    "Derive a closed form for the Fibonacci numbers using generating functions, then prove that F(n) is the nearest integer to φ^n/√5.",
    "Let f be continuous on [0,1] with f(0)=0 and f(1)=1. Prove there is a c in (0,1) with f(c)=1-c.",
    "Prove that every tree with n vertices has exactly n-1 edges.",
    "Why are the real numbers uncountable? Walk me through Cantor's diagonal argument in full.",
    "If A is a real symmetric matrix, prove that its eigenvalues are real and that eigenvectors for distinct eigenvalues are orthogonal.",
    "Show that e is irrational.",
    "Prove the AM-GM inequality for n positive reals.",
    "Compute the integral of sin(x)/x from 0 to infinity and justify every step rigorously.",
    "Evaluate the sum of 1/n² over all positive integers n and prove the result.",
    "In any group of six people there are three mutual friends or three mutual strangers. Prove it.",
    "Demonstrate that a continuous function on a closed bounded interval is uniformly continuous.",
    "Count the derangements of n elements and find the limit of the probability as n grows.",
    "Find all integer solutions of x² - 2y² = 1 and prove your list is complete.",
    "Prove that the halting problem is undecidable.",
    "Solve the recurrence T(n) = 2T(n/2) + n log n and prove a tight bound.",
    "How many ways can 8 rooks sit on a chessboard, none attacking, none on the main diagonal?",
    "A fair die is rolled repeatedly until the running total first reaches or exceeds 100. In my simulation the final total is most often exactly 100, with 101 through 105 appearing less and less often. Explain why this happens, derive the limiting probability of each possible final total as the target grows large using renewal theory, and prove that your probabilities sum to one. Please show the full derivation rather than just quoting the result.",
]

REASONING = [
    "Three boxes are labelled apples, oranges and mixed, and every label is wrong. You may draw one fruit from one box. Explain how to relabel all three boxes correctly and why your method always works.",
    "Schedule six meetings (A-F) across Monday to Wednesday, two per day, given: A must be before C, B and E can't be on the same day, D must be on Tuesday, F must come after both A and D, and C can't be on Monday. List every valid schedule.",
    "On an island, knights always tell the truth and knaves always lie. A says 'B is a knave.' B says 'A and C are the same type.' C says nothing. What are A, B and C? Show your reasoning.",
    "Plan a 10-day Japan itinerary for a family of five: one wheelchair user, one vegetarian child, a $6,000 budget excluding flights, and must-sees in Tokyo, Kyoto and Hiroshima. Justify the route and the hotel choices.",
    "Five houses, five owners, five pets, five drinks: the Brit lives in the red house, the Swede keeps dogs, the Dane drinks tea, the green house is just left of the white one, the green house owner drinks coffee, the person who smokes Pall Mall rears birds, and so on. Solve the classic zebra puzzle step by step and say who owns the fish.",
    "You have 12 coins, one of which is counterfeit and either heavier or lighter. Find it and tell whether it's heavier or lighter in three weighings.",
    "How many times a day do the hour and minute hands of a clock overlap? Reason it out.",
    "In a Monty Hall game with four doors, the host opens two empty doors after your pick. Should you switch? Work out the probabilities.",
    "If we move our warehouse from Ohio to Texas, what are the second-order effects on delivery times, staffing and taxes? Reason through the trade-offs and give a recommendation.",
    "I have a boy-or-girl family puzzle: one child is a boy born on a Tuesday. What's the probability both are boys?",
    "Using only a 7-litre and an 11-litre jug, measure exactly 6 litres. Give the shortest sequence and explain why nothing shorter works.",
    "Five witnesses: Ana says Ben did it; Ben says Cara did it; Cara says Ben is lying; Dev says he didn't do it; Eli says Ana is telling the truth. Exactly one is lying. Who took the laptop?",
    "Five pirates split 100 gold coins by strict seniority voting. How does the eldest maximise his share, and why?",
    "Split a $2M marketing budget across search, social, TV, events and email given diminishing returns on each channel. Explain your allocation logic.",
    "Estimate how many piano tuners work in Chicago, stating every assumption.",
    "Four people cross a bridge at night with one torch; they take 1, 2, 5 and 10 minutes. Show that 17 minutes is the minimum.",
    "We have 8 teams, 3 meeting rooms and 5 days. Each team needs two 2-hour slots, teams 3 and 6 share members, and room C has no projector, which teams 1 and 4 need. Build a feasible timetable.",
    "A snail climbs 3 m up a 20 m well each day and slides back 2 m each night. On which day does it get out, and what's the general formula?",
    "Our startup must pick between three cloud vendors with different discounts, egress fees and support SLAs. Given expected traffic growth of 15% per month, which wins over three years?",
    "What's the expected number of coin flips to get two heads in a row?",
    "I'm organising a five-day offsite for 24 people and need a room plan. The hotel has 8 doubles and 10 singles. Constraints: the four directors each need a single; the three couples share doubles; nobody from the finance team (Ana, Li, Tom, Greta) may share with anyone from audit (Raj, Ben, Sue); two people need ground-floor rooms, and only three singles and two doubles are on the ground floor; and the budget allows at most 16 rooms in total. Work out whether a valid assignment exists and, if so, give one and explain the reasoning.",
    "We have to choose a site for a new distribution centre. Site A: rent $1.2M a year, 40 km from the port, 2 hours' drive to 70% of customers. Site B: rent $0.8M a year, 110 km from the port, 3.5 hours to 70% of customers, but next to a rail terminal. Site C: rent $1.5M a year, beside the port, 2.5 hours to customers, but zoning limits operations to 16 hours a day. Trucking costs $2.10 per km per truck and we run 60 round trips to customers and 20 to the port every day. Which site wins over ten years, and how sensitive is that to fuel prices?",
    "Seat 12 wedding guests at two round tables: the two sets of in-laws must be split, the best man sits beside the groom, and the cousins who fought last year must not be adjacent. Find an arrangement and explain it.",
]

CODE_WRITE = [
    "Write a thread-safe LRU cache in Java.",
    "Implement a trie with autocomplete in TypeScript.",
    "Write a Python async web crawler that respects robots.txt, limits concurrency to 10 requests per domain, retries with exponential backoff, and stores results in SQLite.",
    "Implement Dijkstra's algorithm in Rust using a binary heap.",
    "Could you build a React hook that debounces a search input and cancels stale fetches?",
    "Write a SQL query with a recursive CTE that returns an org chart with each employee's depth and the headcount under them.",
    "Implement red-black tree insertion and deletion in C.",
    "Write a Go worker pool that processes jobs from a channel and shuts down gracefully on SIGTERM.",
    "Build a Python CLI that diffs two CSV files by key columns and reports added, removed and changed rows.",
    "Code a Raft leader-election simulation in Python.",
    "Write a parser and evaluator for arithmetic expressions with precedence, parentheses and unary minus, in C++.",
    "Can you code a Sudoku solver using constraint propagation and backtracking?",
    "Write a Terraform module for an autoscaling group behind an ALB with health checks.",
    "Implement sliding-window rate limiting middleware for Express backed by Redis.",
    "I need a Kotlin coroutine retry helper with jittered backoff and a circuit breaker.",
    "Implement a B+ tree with range scans in Python.",
    "I need a bash script that rotates logs, compresses files older than 7 days and deletes files older than 30, and it must be safe for filenames with spaces.",
    "Write a tiled matrix-multiply CUDA kernel.",
    "Implement a JSON parser from scratch in Haskell.",
    "Write a Python decorator that caches results on disk keyed by an argument hash, with a TTL and manual invalidation.",
    "Build a WebSocket chat server in Node with rooms and reconnection.",
    "Write a Python library for parsing and validating our internal config format. Requirements: files are INI-like with sections, but values may span several lines when indented; section names can be nested with dots (db.primary); ${VAR} references must be resolved against other keys and environment variables, with cycle detection; every error must report file, line and column; and the public API should expose load(path) -> Config with typed accessors get_int, get_bool and get_list. Include tests.",
    "Translate this recursive Python function into an iterative C version that copes with trees 100k levels deep: def depth(n): return 0 if n is None else 1 + max(depth(n.left), depth(n.right))",
    "Sort a 200 GB file of 64-bit integers on a machine with 4 GB of RAM. Describe the approach and implement it in Go.",
    "Convert this callback-based Node module to async/await, keeping the error semantics and adding cancellation through AbortController.",
]

CODE_DEBUG = [
    block("""
        Why does this function keep remembering items between calls?
        ```python
        def add_item(item, items=[]):
            items.append(item)
            return items
        ```
        Explain the bug and fix it properly.
    """),
    block("""
        All my buttons alert '5' instead of their own index. What's going on?
        ```js
        for (var i = 0; i < 5; i++) {
          buttons[i].onclick = function () { alert(i); };
        }
        ```
    """),
    "My Go service crashes under load with 'fatal error: concurrent map writes'. The map is a package-level cache updated from HTTP handlers. How do I fix it without killing throughput?",
    block("""
        This React component re-renders forever. Why?
        ```jsx
        function Users() {
          const [users, setUsers] = useState([]);
          useEffect(() => { fetch('/api/users').then(r => r.json()).then(setUsers); });
          return <List items={users} />;
        }
        ```
    """),
    block("""
        This C code sometimes prints garbage after the name. Find the bug.
        ```c
        char *copy_name(const char *src) {
            char *dst = malloc(strlen(src));
            strcpy(dst, src);
            return dst;
        }
        ```
    """),
    "My SQL report double-counts revenue when I join orders to order_items and shipments. Orders with two shipments show twice the amount. How do I restructure the query?",
    "My asyncio program hangs forever after the first batch; I call loop.run_until_complete inside a coroutine that is already running. Help me debug it.",
    "Two Java threads deadlock: one locks accounts A then B, the other B then A during transfers. How do I fix it in a way that scales?",
    block("""
        Rust says 'cannot borrow `v` as mutable because it is also borrowed as immutable'. How should I restructure this?
        ```rust
        let first = &v[0];
        v.push(4);
        println!("{}", first);
        ```
    """),
    "Our Node server's memory grows by 200 MB an hour. Heap snapshots show thousands of EventEmitter listeners on the same socket object. Where should I look?",
    "Why does 0.1 + 0.2 == 0.3 evaluate to False in my billing code, and how should I fix the calculations?",
    "Why does my recursive DFS crash with RecursionError on large graphs?",
    block("""
        Deleting the head of my linked list segfaults. Here's the code:
        ```c
        void delete(Node *head, int key) {
            Node *cur = head, *prev = NULL;
            while (cur->val != key) { prev = cur; cur = cur->next; }
            prev->next = cur->next;
            free(cur);
        }
        ```
    """),
    "After df[df.age > 30]['score'] = 0 my DataFrame is unchanged and I get SettingWithCopyWarning. Explain what's happening and fix it.",
    "My pod is in CrashLoopBackOff; logs show 'exec format error'. The image was built on an M1 Mac. Walk me through diagnosing and fixing it.",
    "This test passes locally but fails in CI around midnight UTC: it asserts that created_at.date() == date.today(). Why, and how do I make it reliable?",
    block("""
        My binary search loops forever on some inputs:
        ```python
        def search(a, x):
            lo, hi = 0, len(a) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if a[mid] < x: lo = mid
                else: hi = mid
            return lo
        ```
    """),
    "Two Postgres transactions deadlock when updating inventory rows for the same order in different orders. How do I find the cause and prevent it?",
    "Every Docker build reinstalls all pip dependencies even when only app code changed. Here's my Dockerfile order: COPY . . then RUN pip install -r requirements.txt. Fix it and explain.",
    "My Java binary search returns wrong results for arrays with over a billion elements. Where's the overflow?",
    "Segfault in my multithreaded C++ producer/consumer queue - where do I start?",
    "Fix the race in this Go handler, where two requests can both pass the balance check and overdraw the account: if acct.Balance >= amt { acct.Balance -= amt; save(acct) }",
    block("""
        I'm using a lock, so why does this print around 300000 instead of 800000? Explain the bug and fix it.
        ```python
        import threading

        class Counter:
            def __init__(self):
                self.value = 0
                self.lock = threading.Lock()

            def increment(self):
                with self.lock:
                    current = self.value
                current += 1
                with self.lock:
                    self.value = current

        counter = Counter()
        work = lambda: [counter.increment() for _ in range(100_000)]
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(counter.value)
        ```
    """),
    block("""
        processAll always returns an empty array, and when it does work the API starts answering 429. Fix both problems and cap concurrency at 5.
        ```js
        async function processAll(ids) {
          const results = [];
          ids.forEach(async (id) => {
            const res = await fetch(`/api/items/${id}`);
            results.push(await res.json());
          });
          return results;
        }
        ```
    """),
]

SYSTEM_DESIGN = [
    "Design a rate limiter for a distributed API.",
    "Design a URL shortener that handles 10k writes per second.",
    "How would you architect a real-time chat app for 50 million users?",
    "Design the matching service for a ride-sharing app.",
    "Sketch a multi-region active-active Postgres setup.",
    "Design a notification system that supports email, SMS and push, with retries, user preferences, quiet hours and per-user rate limits.",
    "Design a distributed job scheduler with exactly-once execution semantics.",
    "What would a feature store for online and offline ML look like?",
    "How would you build search autocomplete for a store with 10M products?",
    "How should we shard a 20 TB MySQL database with minimal downtime?",
    "Design a metrics pipeline that ingests 2 million events per second and supports one-minute dashboards.",
    "Propose an event-driven architecture for an e-commerce order flow covering payments, inventory, shipping and refunds, and explain how you'd handle failures between services.",
    "Design a collaborative document editor like Google Docs.",
    "What architecture would guarantee double-entry consistency for a payments ledger?",
    "Architect an LLM gateway that routes prompts between on-prem and cloud models based on sensitivity and cost.",
    "Design cache invalidation for a global CDN serving product pages.",
    "Build a leaderboard for a mobile game with 100M players.",
    "Plan the migration of a 10-year-old monolith to services without a feature freeze.",
    "Design an IoT ingestion platform for a million devices that buffer data while offline.",
    "Design a video transcoding pipeline for user uploads.",
    "How would you design a multi-tenant SaaS database layer with per-tenant encryption?",
    "We run a B2B invoicing product with 3,000 tenants. Today everything lives in one Postgres instance behind one Django app. Large tenants cause month-end spikes of 50x normal traffic, PDF generation blocks the web workers, and two customers now require their data to stay in the EU. Propose a target architecture for the next two years covering the tenancy model, data residency, asynchronous processing and month-end scaling, plus a migration path that avoids downtime. Call out the main risks.",
]

LONG_WRITING = [
    "Write a 2,000-word report on the state of battery recycling in Europe, with an executive summary, market overview, regulatory landscape, key players, risks and recommendations.",
    "Draft a project proposal with sections for background, goals, scope, timeline, budget, risks and success metrics for moving our support team to a new ticketing system.",
    "Write a whitepaper on zero-trust networking for mid-size companies.",
    "Write a 3,000-word short story about a lighthouse keeper who finds a message in a bottle.",
    "Create a complete onboarding handbook for new engineers: culture, tools, code review, on-call, security and a 30-60-90 day plan.",
    "Write a grant application for a community coding bootcamp, including need statement, program design, evaluation plan and budget justification.",
    "Produce a full RFC proposing we adopt gRPC for internal services: motivation, design, alternatives, migration plan and open questions.",
    "Write a business plan for a neighbourhood bakery with market analysis, marketing strategy, operations and three-year financial projections.",
    "Write a multi-chapter tutorial that takes a beginner from zero to deploying a Django app.",
    "Compose a detailed post-mortem for a 4-hour outage caused by an expired TLS certificate, with timeline, root cause, impact and action items.",
    "Write a 5,000-word essay on the fall of the Roman Empire.",
    "Draft a complete incident response playbook.",
    "Write a literature review on microplastics in drinking water.",
    "Create a 12-week syllabus for an introductory data science course, with weekly topics, readings, assignments and grading.",
    "Write the full API reference documentation for a REST service with users, orders and invoices endpoints.",
    "Compare the economic policies of the New Deal and the Marshall Plan in a structured 1,500-word essay.",
    "Put together our quarterly board report: financials, product, hiring, risks and the next quarter's priorities.",
    "Write a user manual for a smart thermostat, covering installation, scheduling, troubleshooting and safety.",
    "Write the first act of a screenplay about a heist at a chess tournament.",
    "Draft a comprehensive information security policy for a 200-person fintech.",
    "Summarise twenty years of research on remote work productivity in a structured review with citations.",
    "Write a complete employee handbook chapter on our new hybrid work policy. It must cover eligibility, core hours (10:00-15:00 local time), the two mandatory office days, equipment stipends, security rules for home networks, how to request exceptions, and how performance will be assessed. Include an FAQ with at least ten questions, a one-page summary for managers and a change-log table. The tone should be friendly but precise.",
]

DOMAIN_ANALYSIS = [
    "Analyse the enforceability of a two-year non-compete clause for a software engineer in California versus Texas.",
    "Build a DCF model for a SaaS company with $20M ARR growing 40% a year, 75% gross margin and a 10% discount rate, and discuss the sensitivity to terminal growth.",
    "Compare the evidence for SGLT2 inhibitors versus GLP-1 agonists in heart failure with preserved ejection fraction.",
    "What are the GDPR implications of transferring customer data to a US processor after Schrems II?",
    "Walk me through the tax consequences of an 83(b) election for early-exercised startup options.",
    "Assess the interest-rate and credit risk of a bond portfolio with 40% BBB corporates and 6-year duration.",
    "Critically appraise the design of a single-centre open-label RCT with 80 patients and a surrogate endpoint.",
    "Explain Basel III's liquidity coverage ratio and model how a bank's LCR changes if 20% of retail deposits run off.",
    "Interpret these pharmacokinetic parameters for a drug with a half-life of 30 hours and 95% protein binding, and suggest a dosing regimen for renal impairment.",
    "Analyse the antitrust risk of a merger between two regional grocery chains with a combined 40% local share.",
    "Price a European call option with Black-Scholes and explain each of the Greeks.",
    "Compare Chapter 7 and Chapter 11 bankruptcy for a small LLC.",
    "Explain the mechanisms behind CRISPR off-target effects and current mitigation strategies.",
    "Review this lease clause for landlord-favourable terms and suggest edits: 'Tenant shall bear all costs of repair, structural or otherwise, regardless of cause.'",
    "Model the break-even point of a 50 MW solar farm given capex, degradation, PPA prices and financing costs.",
    "What does the current literature say about intermittent fasting and insulin sensitivity?",
    "Explain the pathophysiology of sepsis-induced coagulopathy.",
    "Assess how a 100bp rate hike affects a bank's net interest income using a repricing gap analysis.",
    "Translate this German share purchase agreement clause into English and flag the risks for the buyer under German law: 'Der Verkäufer haftet nicht für Mängel, die dem Käufer bekannt waren oder hätten bekannt sein müssen.'",
    "Does this fact pattern amount to negligence? A shop mopped its floor, put up no sign, and a customer slipped.",
    "Evaluate the WACC for a mid-cap utility given its capital structure.",
    "Here are simplified financials for a manufacturer: revenue 120M growing 6% a year, EBITDA margin 14%, capex 5% of revenue, working capital 18% of revenue, net debt 60M, tax rate 25%. A buyer offers 9x EBITDA. Build a five-year projection, estimate the equity value with a DCF at a 9% WACC and 2% terminal growth, compare it with the offer, and explain which assumptions drive the gap most.",
    "A 2023 cohort study of 12,000 adults reports that people who drink 3-4 cups of coffee a day have a 15% lower risk of type 2 diabetes (HR 0.85, 95% CI 0.76-0.95) after adjusting for age, BMI and smoking. My manager wants to print 'coffee prevents diabetes' in our wellness newsletter. Critically assess the evidence, covering confounding, reverse causation, dose-response, consistency with other studies and biological plausibility, and suggest accurate wording.",
    "Extract the covenants from this loan summary and check whether the borrower breaches any of them if revenue falls 20%: net leverage below 3.5x, interest cover above 4x, capex capped at 10M. Current EBITDA 40M, net debt 120M, interest 8M, capex 9M, and EBITDA falls about 1.6x as fast as revenue.",
]

CHITCHAT = [
    "Hi!",
    "Good morning, how are you today?",
    "Thanks, that was really helpful!",
    "Tell me a joke.",
    "What's your favourite colour?",
    "lol nice",
    "Can you hear me?",
    "Have a great weekend!",
    "I'm bored.",
    "Who are you?",
    "Are you a robot?",
    "Hello again, it's me.",
    "That's hilarious 😂",
    "Good night!",
    "Do you like pizza?",
    "Say something nice to cheer me up.",
    "Ok cool, thanks.",
    "Hey there! I just wanted to drop a quick note to say thank you for all the help over the past few weeks. I've been using you to brainstorm gift ideas, plan my sister's birthday dinner, and even pick out a name for our new puppy (we went with Biscuit in the end, which everyone loves). Anyway, no real question today, I just wanted to say hi and tell you that Biscuit chewed through his first pair of shoes this morning. Hope you're having a good day!",
    "Good afternoon! It's been a long week here: the kids had a school play on Tuesday, my car needed new tyres on Wednesday, and today it has been raining non-stop since breakfast, so I'm sitting by the window with a big mug of tea and a slice of lemon cake. I don't really need anything, I just felt like chatting for a minute before I start cooking dinner. How is your day going? Do you have anything fun planned, or is it just answering questions all day long?",
    "Bye for now!",
    "Write me a quick 'happy Friday' message for the team chat.",
]

SHORT_FACT = [
    "What is the capital of Australia?",
    "Who wrote Pride and Prejudice?",
    "How many legs does a spider have?",
    "What year did World War II end?",
    "What's the boiling point of water in Fahrenheit?",
    "Is a tomato a fruit?",
    "Who proved Fermat's Last Theorem?",
    "Who designed the Eiffel Tower?",
    "What does API stand for?",
    "What is a rate limiter?",
    "Is 97 a prime number?",
    "How many continents are there?",
    "What is the chemical symbol for gold?",
    "Which planet is closest to the sun?",
    "Does Python use zero-based indexing?",
    "How many players are on a soccer team?",
    "What language is spoken in Brazil?",
    "Who painted The Starry Night?",
    "What is the speed of light in a vacuum?",
    "I was chatting with my niece about space last night and we got into a friendly argument. She's nine and has just finished a school project on the solar system, so she is very confident about everything, and I remembered reading something years ago that seemed to contradict her. We went back and forth for a while, looked at a couple of picture books, and in the end decided to ask someone neutral rather than keep arguing over dessert. Anyway, please settle it for us: how many moons does Mars have?",
    "What's the tallest mountain in Africa?",
]

CLASSIFICATION = [
    "Is this review positive or negative? 'The battery died after two hours.'",
    "Classify this ticket as billing, technical or other: 'I was charged twice this month.'",
    "Spam or not spam: 'You've WON a free cruise, click here now!!!'",
    'Which language is this snippet written in? fn main() { println!("hi"); }',
    "Tag the sentiment of this tweet: 'Finally got my order, love it!'",
    "Is 'The Hobbit' fiction or non-fiction?",
    "Is this sentence formal or informal: 'Gonna be late, sorry!'",
    "Label the intent: 'Can I change my delivery address?'",
    "Is a whale a mammal or a fish?",
    "Categorise this expense: 'Uber ride from the airport to the hotel, $42'.",
    "Is this email urgent? 'Server down in production, customers can't log in.'",
    "Positive, negative or neutral: 'The package arrived on Tuesday.'",
    "Classify the following customer review by sentiment (positive, negative or mixed) and reply with one word only. Review: 'I bought this blender for my smoothie routine after reading a lot of glowing reviews online. The first week was great: it crushed ice easily, the jug is sturdy and it cleans up quickly. By the second week, though, the motor started making a grinding noise, and on day twelve it stopped working altogether. Customer service replied quickly and sent a replacement, which has worked fine so far, but I'm still a bit nervous about how long it will last.'",
    "Route this support email to one of these queues: Billing, Shipping, Returns, Technical. Just give the queue name. Email: 'Hello, I ordered a pair of hiking boots three weeks ago (order 55821) and the tracking page has said \"label created\" ever since. I've emailed twice and called once but nobody seems to know where the parcel is. I'm going on a trip at the end of the month and really need the boots before then, otherwise I'd like to cancel. Could someone please check with the courier and let me know what's going on? Thanks, a slightly frustrated customer.'",
    "Label each headline as Sports, Politics, Tech or Business: 1) 'Local club wins cup after penalty shoot-out' 2) 'Parliament passes new housing bill' 3) 'Chipmaker unveils faster laptop processor' 4) 'Retail giant reports record holiday sales' 5) 'Star striker signs three-year contract' 6) 'Senate debates climate package' 7) 'Startup launches open-source database' 8) 'Oil prices fall for third week' 9) 'Tennis champion announces retirement' 10) 'Mayor proposes new tram line' 11) 'Smartphone sales slow in Europe' 12) 'Airline merger approved by regulators'",
    "Is this email spam? Answer yes or no. 'Dear valued customer, our records indicate that your account has been selected for an exclusive loyalty reward worth $500. To claim your reward, simply reply with your full name and preferred delivery address within 48 hours. This offer is only available to a limited number of customers and cannot be extended. Please do not share this message with anyone else, as it is personal to you. We look forward to hearing from you soon. Kind regards, The Rewards Team, Customer Appreciation Department.'",
    "Is this question about geography or history: 'When did the Ottoman Empire end?'",
    "Which category fits 'garden hose': tools, toys or clothing?",
    "Decide whether this sentence is a question or a statement: 'The meeting starts at noon.'",
    "Animal, vegetable or mineral: quartz?",
    "Design, marketing or engineering: which team should own the ticket 'update the logo colours'?",
]

EXTRACTION = [
    "What is the order number in this message? 'Hi, my order 48213 hasn't arrived yet.'",
    "Extract the city names: 'We flew from Madrid to Oslo, then took the train to Bergen.'",
    "Pull the price out of this sentence: 'The jacket is on sale for $79.99 until Sunday.'",
    "What date is mentioned here? 'The launch is scheduled for 14 March.'",
    "List the ingredients mentioned: 'Mix flour, sugar and butter, then add two eggs.'",
    "Extract the hashtags from: 'Loving the sunshine #summer #beachday #nofilter'",
    "Which company is mentioned in: 'Shares of Siemens rose 3% on Friday'?",
    "Extract the email address: 'Contact support@example.com for help.'",
    "Extract all dates from this text and list them in order: 'The project kicked off on 3 February 2025 with a two-day workshop in Lyon. The first prototype was delivered on March 17, 2025, two weeks later than planned, and user testing ran from 2025-04-01 to 2025-04-12. After a pause over the summer holidays the team regrouped on 8 September and shipped version 1.0 on 21 November 2025. A maintenance release is planned for 15 January 2026, followed by a review meeting at the end of February and a budget decision on 1 April 2026.'",
    "Extract the invoice number, the invoice date, the due date and the total amount from this text and return them as four lines. 'Thank you for your business. Please find below the details of your latest invoice. Invoice number INV-2025-0419 was issued on 12 May 2025 for the annual maintenance contract covering three printers and one scanner at your Leeds office. Labour and parts are included as agreed. The subtotal is 1,840.00 GBP, VAT at 20% is 368.00 GBP, and the total due is 2,208.00 GBP. Payment is due by 11 June 2025. Late payments may incur a fee.'",
    block("""
        List the names of all functions defined in this file, nothing else.
        ```python
        import csv
        import json

        def load_rows(path):
            with open(path) as f:
                return list(csv.DictReader(f))

        def clean_row(row):
            return {k.strip().lower(): v.strip() for k, v in row.items()}

        def filter_active(rows):
            return [r for r in rows if r.get("status") == "active"]

        def to_json(rows, out_path):
            with open(out_path, "w") as f:
                json.dump(rows, f, indent=2)

        def main():
            rows = [clean_row(r) for r in load_rows("users.csv")]
            to_json(filter_active(rows), "active.json")
        ```
    """),
    "From the following travel blog paragraph, extract every city name and return them as a comma-separated list: 'Our trip began in Vienna, where we spent three days eating far too much cake. From there we took a slow train to Ljubljana, a tiny capital with a lovely river and a castle on a hill. A bus brought us to Zagreb next, and after a rainy afternoon we headed down the coast to Split. We finished the journey with a ferry to Hvar, a short flight to Dubrovnik and, finally, a very early flight home to Edinburgh.'",
    "Extract each product and its price from this catalogue text as a two-column list: 'This season's outdoor range includes the TrailLite tent at 189 euros, the SummitPro backpack at 124 euros and the compact CampStove at 39 euros. For colder nights we recommend the Arctic sleeping bag, now 149 euros, and the FleeceLiner at 29 euros. Accessories include the RidgeLine headlamp for 24 euros, a pair of carbon trekking poles for 79 euros and the foldable WaterBowl for just 9 euros. Prices include VAT; delivery is free over 100 euros.'",
    "What's the tracking number in: 'Your parcel 1Z-4471-XR is out for delivery.'",
    "Find the percentage in this sentence: 'Sales grew 12% year over year.'",
    "Extract the meeting time: 'Let's meet at 3:30 pm in room 204.'",
    "Get the author and the year from this citation: Smith, J. (2019). Urban Trees. Green Press.",
    "Extract every URL from this text: 'Docs are at https://docs.example.com, the status page is https://status.example.com, and the changelog lives at https://example.com/changelog. Old links like https://legacy.example.com/help still redirect for now, and the community forum moved to https://forum.example.org last year. If you're on the beta, use https://beta.example.com instead, and remember that the API base URL https://api.example.com/v2 replaced /v1 in March. The download mirror https://mirror.example.net is read-only.'",
    "Which numbers appear in: 'Buy 3 apples and 12 eggs.'",
    "Extract the sender's name from: 'Best wishes, Tom'",
]

REFORMAT = [
    "Convert to title case: 'the quick brown fox jumps over the lazy dog'",
    "Turn this into a bulleted list: apples, bread, milk, eggs",
    "Change this date to ISO format: 03/15/2025",
    "Convert this list into a comma-separated line: red\ngreen\nblue",
    "Make this sentence all uppercase: 'ship it today'",
    "Convert this Markdown link to HTML: [Docs](https://docs.example.com)",
    'Pretty-print this JSON: {"a":1,"b":[1,2,3],"c":{"d":true}}',
    "Convert this key=value list to JSON: host=localhost, port=8080, debug=true",
    "Put these words in a two-column table with their lengths: sun, moon, galaxy",
    "Remove the extra spaces from: 'This   has    too   many spaces.'",
    "Turn 'first_name' into camelCase.",
    "Convert this YAML into JSON:\nname: web\nreplicas: 2\nports:\n  - 80\n  - 443",
    "Make this paragraph into a numbered list of steps: Preheat the oven. Mix the batter. Pour it into the tin. Bake for 30 minutes.",
    "Wrap each word in quotes: alpha beta gamma",
    "Write 4,312 in words.",
    "Write these names in alphabetical order: Zoe, Adam, Maria, Li, Ben",
]

TRANSLATION = [
    "Translate 'good morning' into Spanish.",
    "How do you say 'thank you' in Japanese?",
    "Translate 'Where is the bathroom?' into Italian.",
    "What's 'I love you' in Portuguese?",
    "Translate into German: 'The train is late.'",
    "Translate 'Bonjour, comment ça va ?' into English.",
    "How do you say 'cheers' in Swedish?",
    "Translate to French: 'See you tomorrow.'",
    "Translate 'Ich habe Hunger' into English.",
    "What does 'gracias' mean?",
    "Translate 'happy new year' into Mandarin.",
    "Translate to Dutch: 'The shop opens at nine.'",
    "Say 'good luck' in Korean.",
    "Write 'welcome' in French, German and Spanish.",
]

GRAMMAR = [
    "Fix the grammar: 'me and him goes to the store'",
    "Correct the spelling: 'recieve, seperate, definately'",
    "Rewrite this sentence to be more polite: 'Send me the file now.'",
    "Is it 'fewer' or 'less' in 'less people came'?",
    "Fix the punctuation: 'lets eat grandma'",
    "Correct this: 'She don't like apples.'",
    "Should it be 'its' or 'it's' in 'The dog wagged it's tail'?",
    "Add commas where needed: 'After lunch we went to the park the museum and the zoo.'",
    "Fix the tense: 'Yesterday I go to the cinema.'",
    "Is 'alot' a word?",
    "Make this less wordy: 'At this point in time we are currently reviewing it.'",
    "Correct the capitalisation: 'i live in paris, france.'",
    "Fix the typo: 'Teh meeting is at noon.'",
    "Show me the plural of 'mouse'.",
    "Write the past tense of 'swim'.",
]

SIMPLE_MATH = [
    "What is 15% of 80?",
    "Convert 5 miles to kilometres.",
    "What's 12 times 13?",
    "Add 345 and 678.",
    "What is 144 divided by 12?",
    "Round 3.14159 to two decimal places.",
    "How many minutes are in 3.5 hours?",
    "What's 2 to the power of 10?",
    "Convert 100 kg to pounds.",
    "What is half of 250?",
    "Is 56 divisible by 7?",
    "What's 1,000 minus 387?",
    "How many centimetres are in 2.5 metres?",
    "Average of 4, 8 and 15?",
]

# --- generated long-but-simple prompts ------------------------------------------------

GRAMMAR_PARAGRAPHS = [
    "Our team have been working realy hard over the last few month's to get the new warehouse ready for the holiday season. Their has been alot of challenges, including late deliverys of shelving, a broken forklift and not enough staff on the weekend shifts. Despite of all this, we manage to open on time and the first week went more smooth then anyone expected. I want to thank everyone who stayed late, especialy the night crew, who's effort made the diffrence.",
    "Dear hiring manager, I am writting to apply for the position of marketing assistent that was advertised on you're website last week. I have recently graduate from university with a degree in comunications and I beleive my skills would be a good fit for your company. During my studys I completed a internship at a local agency where I helped to plan social media campain's and wrote weekly newsletters. I look foward to hearing from you.",
    "Last summer me and my freinds went on a road trip along the coast. We drived for almost ten hour's on the first day and stoped in a small town that had the most beatiful beach I ever seen. The next morning we woke up early to watch the sunrise, but it was so cloudly that we couldnt see nothing. We spended the rest of the week hiking, swimming and eating way to much ice cream, and everyone agreed it was the best holliday we ever had together.",
    "This term the school library have recieved more then two hundred new books, thanks to the generous donations of parents and the local comunity. Students can now borrow upto four books at a time, and the library will stay open untill five o'clock on weekdays. We would also like to remind familys that overdue books should be returned as soon as posible, so that other childrens can enjoy them to. Thank you for you're continued support.",
]

TRANSLATION_PARAGRAPHS = [
    (
        "French",
        "Welcome to the Harbour View Hotel. Breakfast is served every morning from seven to ten in the restaurant on the ground floor, and coffee and tea are available in the lobby all day. Our swimming pool is open from eight in the morning until eight in the evening. If you need extra towels, an iron or a late checkout, please call reception by dialling nine from your room phone. We hope you enjoy your stay and the view of the old port.",
    ),
    (
        "Spanish",
        "Thank you for buying the AquaPure water filter. Before first use, rinse the filter cartridge under cold running water for about thirty seconds and place it firmly in the jug until you hear a click. Fill the jug and throw away the first two batches of filtered water. Replace the cartridge every four weeks, or sooner if the water starts to taste different. Keep the jug in the fridge and out of direct sunlight.",
    ),
    (
        "German",
        "The city museum will reopen on the first of June after a two-year renovation. Visitors can look forward to a new gallery dedicated to local history, an interactive room for children, and a rooftop cafe with views over the old town. Entry is free for residents on the first Sunday of every month. Guided tours in English and German start at eleven and three o'clock every day, and audio guides are available at the front desk.",
    ),
    (
        "Italian",
        "Our grandmother's lemon cake is the easiest recipe in this book. Beat three eggs with a cup of sugar until pale and fluffy, then add the zest and juice of two lemons, half a cup of olive oil and a cup of plain yoghurt. Fold in two cups of flour with a spoonful of baking powder, pour the batter into a greased tin and bake for forty minutes. Let it cool before dusting it with icing sugar.",
    ),
]

GROCERIES = [
    "milk", "eggs", "bread", "butter", "apples", "bananas", "coffee", "rice", "pasta", "tomatoes",
    "onions", "cheddar", "yoghurt", "chicken thighs", "spinach", "olive oil", "oats", "orange juice",
    "peanut butter", "carrots", "potatoes", "dish soap", "paper towels", "tea bags", "honey",
]  # fmt: skip


def long_simple_prompts() -> dict[str, list[str]]:
    """Long (>400 characters) prompts that are nevertheless simple tasks."""
    out: dict[str, list[str]] = {
        k: []
        for k in [
            "simple_math",
            "grammar",
            "translation",
            "reformat",
            "classification",
            "extraction",
        ]
    }

    nums = [rng.randint(10, 9999) for _ in range(40)]
    out["simple_math"].append(
        "I'm tidying up a spreadsheet export and just need these values in order. Sort these 40 numbers from smallest to largest and give them back as a comma-separated list, nothing else: "
        + ", ".join(str(n) for n in nums)
    )
    items = rng.sample(GROCERIES, 20)
    prices = [f"{item} ${rng.randint(1, 14)}.{rng.randint(0, 99):02d}" for item in items]
    out["simple_math"].append(
        "Add up these grocery prices and tell me the total, please. I want to check the receipt before I throw it away: "
        + "; ".join(prices)
        + "."
    )
    temps = [rng.randint(-15, 40) for _ in range(30)]
    out["simple_math"].append(
        "For a weather poster at my kid's school I need each of these daily temperatures converted from Celsius to Fahrenheit, rounded to whole degrees, keeping the same order: "
        + ", ".join(f"{t} °C" for t in temps)
    )
    nums2 = [round(rng.uniform(1, 500), 2) for _ in range(35)]
    out["simple_math"].append(
        "Which of these numbers is the largest, and which is the smallest? Just the two values, please. They come from a sensor log that someone pasted into our chat without any formatting: "
        + " ".join(str(n) for n in nums2)
    )

    for paragraph in GRAMMAR_PARAGRAPHS[:3]:
        out["grammar"].append(
            f"Fix the spelling and grammar in this paragraph and return only the corrected text: {paragraph}"
        )
    out["grammar"].append(f"Please proofread this for the newsletter: {GRAMMAR_PARAGRAPHS[3]}")

    for language, paragraph in TRANSLATION_PARAGRAPHS:
        out["translation"].append(f"Translate this paragraph into {language}: {paragraph}")

    rows = []
    for i in range(12):
        sku = f"SKU-{rng.randint(1000, 9999)}"
        rows.append(
            f"{sku},{rng.choice(['Desk lamp', 'Stapler', 'Notebook', 'Monitor arm', 'Webcam', 'Mouse pad', 'USB hub', 'Pen set'])} {i + 1},{rng.randint(2, 120)}.{rng.randint(0, 99):02d},{rng.randint(0, 300)}"
        )
    out["reformat"].append(
        "Convert this CSV to a JSON array of objects with keys sku, name, price and stock:\nsku,name,price,stock\n"
        + "\n".join(rows)
    )
    dates = []
    for _ in range(15):
        d = rand_date(dt.date(2023, 1, 1), dt.date(2026, 12, 31))
        dates.append(
            d.strftime(rng.choice(["%d/%m/%Y", "%B %d, %Y", "%d %b %Y", "%Y.%m.%d", "%a %d %B %Y"]))
        )
    out["reformat"].append(
        "Reformat each of these dates as YYYY-MM-DD, one per line, in the same order. The first ones are in day/month/year order: "
        + "; ".join(dates)
        + ". Thanks, I need them for an import file."
    )
    tasks = [
        "Write release notes - Priya - due Monday - in progress",
        "Update the pricing page - Tom - due Tuesday - not started",
        "Fix the login redirect bug - Ana - due Wednesday - done",
        "Prepare the webinar slides - Marco - due Thursday - in progress",
        "Email beta users about the survey - Lea - due Friday - not started",
        "Review the onboarding checklist - Sam - due next Monday - done",
        "Renew the domain names - Ivo - due next Tuesday - not started",
    ]
    out["reformat"].append(
        "Turn these task notes into a Markdown table with the columns Task, Owner, Due and Status:\n"
        + "\n".join(tasks)
    )
    out["reformat"].append(
        "Convert this block of text into a bulleted list with one sentence per bullet, without changing any words: Our office will be closed on Monday for the public holiday. The help desk will still answer urgent emails. Deliveries scheduled for Monday will arrive on Tuesday instead. Please remember to water the plants on your desk before you leave on Friday. The kitchen will be cleaned over the weekend, so take your food home. Parking passes for next month are available from reception. The fire drill has moved to Wednesday at 10am."
    )
    runs = [round(rng.uniform(2.5, 21.1), 1) for _ in range(22)]
    days = [rand_date(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) for _ in runs]
    log = "; ".join(
        f"{d.strftime('%a %d %b')}: {km} km" for d, km in sorted(zip(days, runs, strict=True))
    )
    out["simple_math"].append(
        f"Here's my running log for March. What's the total distance I ran this month? {log}."
    )
    names = [*rng.sample(FIRST_NAMES, 30), "Beatriz", "Kofi", "Astrid", "Tariq", "Ulla", "Vikram"]
    out["reformat"].append(
        "Put these names in alphabetical order, one per line. It's the sign-up sheet for the Saturday football group and I need a tidy list for the group chat: "
        + ", ".join(names)
        + "."
    )
    return out


LONG_SIMPLE = long_simple_prompts()

COMPLEX_SPEC: list[tuple[str, list[str]]] = [
    ("math_proof", MATH_PROOF),
    ("reasoning", REASONING),
    ("code_write", CODE_WRITE),
    ("code_debug", CODE_DEBUG),
    ("system_design", SYSTEM_DESIGN),
    ("long_writing", LONG_WRITING),
    ("domain_analysis", DOMAIN_ANALYSIS),
]
SIMPLE_SPEC: list[tuple[str, list[str]]] = [
    ("chitchat", CHITCHAT),
    ("short_fact", SHORT_FACT),
    ("classification", CLASSIFICATION),
    ("extraction", EXTRACTION),
    ("reformat", REFORMAT + LONG_SIMPLE["reformat"]),
    ("translation", TRANSLATION + LONG_SIMPLE["translation"]),
    ("grammar", GRAMMAR + LONG_SIMPLE["grammar"]),
    ("simple_math", SIMPLE_MATH + LONG_SIMPLE["simple_math"]),
]

# =====================================================================================
# Assembly, splits and output
# =====================================================================================


def is_heldout(index: int) -> bool:
    """Deterministic ~30% split: items 3, 6, 9, 13, 16, 19, ... (0-based) of a category."""
    return (index + 1) * 3 // 10 > index * 3 // 10


def split_of(index: int) -> str:
    return "heldout" if is_heldout(index) else "dev"


def rows_for(
    category: str, texts: list[tuple[str, str]], label_key: str, label: bool
) -> list[dict[str, object]]:
    return [
        {"text": t, label_key: label, "category": category, "split": split} for t, split in texts
    ]


def own_splits(texts: list[str]) -> list[tuple[str, str]]:
    """Hand-written lists: each text is its own template."""
    return [(t, split_of(i)) for i, t in enumerate(texts)]


def handwritten(dev: list[str], heldout: list[str]) -> list[tuple[str, str]]:
    return [(t, "dev") for t in dev] + [(t, "heldout") for t in heldout]


def build_sensitivity() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for category, templates, n in SENSITIVE_SPEC:
        rows += rows_for(category, from_templates(category, templates, n), "sensitive", True)
    for category, texts in HARMLESS_SPEC:
        rows += rows_for(category, own_splits(texts), "sensitive", False)
    for category, label, dev, heldout in SENSITIVITY_GROUPS:
        rows += rows_for(category, handwritten(dev, heldout), "sensitive", label)
    for i, row in enumerate(rows, start=1):
        row["id"] = f"s{i:04d}"
    return [
        {
            "id": r["id"],
            "text": r["text"],
            "sensitive": r["sensitive"],
            "category": r["category"],
            "split": r["split"],
        }
        for r in rows
    ]


def build_complexity() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for category, texts in COMPLEX_SPEC:
        rows += rows_for(category, own_splits(texts), "complex", True)
    for category, texts in SIMPLE_SPEC:
        rows += rows_for(category, own_splits(texts), "complex", False)
    for category, label, dev, heldout in COMPLEXITY_GROUPS:
        rows += rows_for(category, handwritten(dev, heldout), "complex", label)
    for i, row in enumerate(rows, start=1):
        row["id"] = f"c{i:04d}"
    return [
        {
            "id": r["id"],
            "text": r["text"],
            "complex": r["complex"],
            "category": r["category"],
            "split": r["split"],
        }
        for r in rows
    ]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


# =====================================================================================
# Checks
# =====================================================================================

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
SSN_RE = re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
DIGIT_RUN_RE = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
PHONE_RE = re.compile(
    r"\+\d{1,3}[ (]+\d{1,4}\)?[ .-]?\d{2,4}[ .-]?\d{2,4}|\(\d{3}\) ?\d{3}-\d{4}|\b\d{3}[-.]\d{3}[-.]\d{4}\b"
)
SECRET_RES = [
    re.compile(r"AKIA[A-Z2-7]{16}"),
    re.compile(r"ghp_[A-Za-z0-9]{36}"),
    re.compile(r"xox[abprs]-[0-9A-Za-z-]{10,}"),
    re.compile(r"sk-(?:proj-)?[A-Za-z0-9_-]{32,}"),
    re.compile(r"sk_live_[A-Za-z0-9]{20,}"),
    re.compile(r"AIza[A-Za-z0-9_-]{35}"),
    re.compile(r"npm_[A-Za-z0-9]{36}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
    re.compile(r"AccountKey=[A-Za-z0-9+/=]{40,}"),
]
ADDRESS_RE = re.compile(
    r"\b\d{1,5} [A-Z][a-z]+(?: [A-Z][a-z]+)* (?:Avenue|Street|Lane|Court|Drive|Road|Way|Boulevard|Close|Gardens)\b"
)
PLACEHOLDER_PASSWORDS = {"password", "pass", "<password>", "secret"}
URL_CRED_RE = re.compile(r"://[^:/\s]*:([^@\s]+)@")


def sensitive_hits(text: str) -> list[str]:
    """Detectors for real-looking sensitive values (used to keep harmless rows clean)."""
    hits: list[str] = []
    for m in EMAIL_RE.finditer(text):
        domain = m.group(0).split("@", 1)[1].lower()
        if not re.fullmatch(r"(?:.*\.)?example\.(?:com|org|net)", domain):
            hits.append(f"email {m.group(0)}")
    hits += [f"ssn {m.group(0)}" for m in SSN_RE.finditer(text)]
    for m in DIGIT_RUN_RE.finditer(text):
        number = re.sub(r"[ -]", "", m.group(0))
        if 13 <= len(number) <= 19 and luhn_ok(number):
            hits.append(f"luhn {m.group(0)}")
    hits += [f"iban {m.group(0)}" for m in IBAN_RE.finditer(text) if iban_ok(m.group(0))]
    if re.search(r"(?i)routing|\bABA\b", text):
        hits += [
            f"routing {m.group(0)}" for m in re.finditer(r"\b\d{9}\b", text) if aba_ok(m.group(0))
        ]
    hits += [f"phone {m.group(0)}" for m in PHONE_RE.finditer(text)]
    hits += [f"address {m.group(0)}" for m in ADDRESS_RE.finditer(text)]
    for regex in SECRET_RES:
        hits += [f"secret {m.group(0)[:24]}" for m in regex.finditer(text)]
    for m in URL_CRED_RE.finditer(text):
        if m.group(1).lower() not in PLACEHOLDER_PASSWORDS:
            hits.append(f"url-credential {m.group(0)}")
    hits += [f"deny-term {t}" for t in DENY_TERMS if t.lower() in text.lower()]
    return hits


MIN_SENSITIVE = 20
# The hand-written groups have their own, larger held-out share (they are what the
# held-out split is mostly for).
HANDWRITTEN = {category for category, *_ in COMPLEXITY_GROUPS + SENSITIVITY_GROUPS}
MIN_HARMLESS = 25
MIN_COMPLEXITY = 15


def split_table(rows: list[dict[str, object]], label_key: str) -> str:
    counts: Counter[tuple[str, str]] = Counter((str(r["category"]), str(r["split"])) for r in rows)
    labels = {str(r["category"]): r[label_key] for r in rows}
    lines = [f"| category | {label_key} | dev | heldout | total |", "|---|---|---:|---:|---:|"]
    for cat in dict.fromkeys(str(r["category"]) for r in rows):
        dev, held = counts[(cat, "dev")], counts[(cat, "heldout")]
        lines.append(f"| {cat} | {str(labels[cat]).lower()} | {dev} | {held} | {dev + held} |")
    dev_total = sum(1 for r in rows if r["split"] == "dev")
    lines.append(f"| **total** | | {dev_total} | {len(rows) - dev_total} | {len(rows)} |")
    return "\n".join(lines)


def check(
    path: Path, label_key: str, id_prefix: str, minimums: dict[bool, int]
) -> list[dict[str, object]]:
    errors: list[str] = []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        row = json.loads(line)
        if set(row) != {"id", "text", label_key, "category", "split"}:
            errors.append(f"{path.name}:{n}: wrong keys {sorted(row)}")
        if not isinstance(row[label_key], bool) or row["split"] not in {"dev", "heldout"}:
            errors.append(f"{path.name}:{n}: bad label or split")
        if not re.fullmatch(id_prefix + r"\d{4}", row["id"]):
            errors.append(f"{path.name}:{n}: bad id {row['id']}")
        if not row["text"].strip():
            errors.append(f"{path.name}:{n}: empty text")
        rows.append(row)
    ids = Counter(r["id"] for r in rows)
    texts = Counter(r["text"] for r in rows)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    errors += [f"duplicate text {t[:60]!r}" for t, c in texts.items() if c > 1]
    by_cat: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r)
    for cat, cat_rows in by_cat.items():
        labels = {r[label_key] for r in cat_rows}
        if len(labels) != 1:
            errors.append(f"{cat}: mixed labels")
        minimum = minimums[next(iter(labels))]
        if len(cat_rows) < minimum:
            errors.append(f"{cat}: only {len(cat_rows)} rows (< {minimum})")
        held = sum(r["split"] == "heldout" for r in cat_rows) / len(cat_rows)
        if cat not in HANDWRITTEN and not 0.25 <= held <= 0.35:
            errors.append(f"{cat}: heldout fraction {held:.2f}")
    if errors:
        sys.exit("\n".join(["CHECK FAILED:", *errors]))
    return rows


def check_sensitivity(rows: list[dict[str, object]]) -> None:
    errors: list[str] = []
    if len(rows) < 440:
        errors.append(f"only {len(rows)} sensitivity rows")
    frac = sum(bool(r["sensitive"]) for r in rows) / len(rows)
    if not 0.50 <= frac <= 0.60:
        errors.append(f"sensitive fraction {frac:.2f}")
    expected = {
        "government_id",
        "financial",
        "contact",
        "health",
        "hr",
        "secret",
        "code_secret",
        "confidential_term",
        "public_person",
        "places_dates_companies",
        "general_task",
        "lookalike",
        *(category for category, *_ in SENSITIVITY_GROUPS),
    }
    if {r["category"] for r in rows} != expected:
        errors.append("unexpected category set")
    for r in rows:
        text, cat = str(r["text"]), r["category"]
        hits = sensitive_hits(text)
        if not r["sensitive"] and hits:
            errors.append(f"harmless {r['id']} looks sensitive: {hits}")
        if cat in {"financial", "contact", "confidential_term"} and not hits:
            errors.append(f"sensitive {r['id']} ({cat}) has no detectable value")
        if (
            cat == "government_id"
            and not SSN_RE.search(text)
            and not re.search(r"(?i)passport|licen[cs]e", text)
        ):
            errors.append(
                f"government_id {r['id']} has neither an SSN nor a passport/licence number"
            )
        if cat == "financial" and not any(h.startswith(("luhn", "iban", "routing")) for h in hits):
            errors.append(f"financial {r['id']} has no card, IBAN or routing number")
    for term in DENY_TERMS:
        n = sum(term.lower() in str(r["text"]).lower() for r in rows)
        if n < 3:
            errors.append(f"deny-list term {term!r} used only {n} times")
    if errors:
        sys.exit("\n".join(["CHECK FAILED:", *errors]))


def check_complexity(rows: list[dict[str, object]]) -> tuple[int, int]:
    errors: list[str] = []
    if len(rows) < 280:
        errors.append(f"only {len(rows)} complexity rows")
    short_complex = sum(1 for r in rows if r["complex"] and len(str(r["text"])) < 80)
    long_simple = sum(1 for r in rows if not r["complex"] and len(str(r["text"])) > 400)
    if short_complex < 25:
        errors.append(f"only {short_complex} short complex prompts")
    if long_simple < 25:
        errors.append(f"only {long_simple} long simple prompts")
    if errors:
        sys.exit("\n".join(["CHECK FAILED:", *errors]))
    return short_complex, long_simple


def build_languages(label_key: str, prefix: str) -> list[dict[str, object]]:
    """The non-English rows: {"id", "text", label, "category", "split", "language"}."""
    sets = {"sensitive": "SENSITIVITY", "complex": "COMPLEXITY"}
    rows: list[dict[str, object]] = []
    for split, module in (("dev", multilingual_dev), ("heldout", multilingual_heldout)):
        for language, items in getattr(module, sets[label_key]).items():
            for text, label, category in items:
                rows.append(
                    {
                        "text": text,
                        label_key: label,
                        "category": category,
                        "split": split,
                        "language": language,
                    }
                )
    rows.sort(key=lambda r: (str(r["language"]), r["split"] != "dev"))
    for i, row in enumerate(rows, start=1):
        row["id"] = f"{prefix}{i:04d}"
    return [{"id": r.pop("id"), **r} for r in rows]


def check_languages(path: Path, label_key: str) -> list[dict[str, object]]:
    errors: list[str] = []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for r in rows:
        if set(r) != {"id", "text", label_key, "category", "split", "language"}:
            errors.append(f"{r.get('id')}: wrong keys {sorted(r)}")
        if not isinstance(r[label_key], bool) or not str(r["text"]).strip():
            errors.append(f"{r['id']}: bad label or empty text")
    texts = Counter(str(r["text"]) for r in rows)
    errors += [f"duplicate text {t[:60]!r}" for t, c in texts.items() if c > 1]
    for language in {str(r["language"]) for r in rows}:
        for split in ("dev", "heldout"):
            labels = Counter(
                bool(r[label_key]) for r in rows if (r["language"], r["split"]) == (language, split)
            )
            if min(labels[True], labels[False]) < 15:
                errors.append(f"{language} {split}: too few of one label {dict(labels)}")
    if errors:
        sys.exit("\n".join(["CHECK FAILED:", *errors]))
    return rows


def language_table(rows: list[dict[str, object]], label_key: str) -> str:
    counts: Counter[tuple[str, str, bool]] = Counter(
        (str(r["language"]), str(r["split"]), bool(r[label_key])) for r in rows
    )
    lines = [f"| language | split | {label_key} | not | total |", "|---|---|---:|---:|---:|"]
    for language in sorted({k[0] for k in counts}):
        for split in ("dev", "heldout"):
            yes, no = counts[(language, split, True)], counts[(language, split, False)]
            lines.append(f"| {language} | {split} | {yes} | {no} | {yes + no} |")
    return "\n".join(lines)


def main() -> None:
    write_jsonl(LANGUAGE_SENSITIVITY_PATH, build_languages("sensitive", "ls"))
    write_jsonl(LANGUAGE_COMPLEXITY_PATH, build_languages("complex", "lc"))
    print(language_table(check_languages(LANGUAGE_SENSITIVITY_PATH, "sensitive"), "sensitive"))
    print()
    print(language_table(check_languages(LANGUAGE_COMPLEXITY_PATH, "complex"), "complex"))
    print()
    write_jsonl(SENSITIVITY_PATH, build_sensitivity())
    write_jsonl(COMPLEXITY_PATH, build_complexity())

    sens = check(SENSITIVITY_PATH, "sensitive", "s", {True: MIN_SENSITIVE, False: MIN_HARMLESS})
    check_sensitivity(sens)
    comp = check(COMPLEXITY_PATH, "complex", "c", {True: MIN_COMPLEXITY, False: MIN_COMPLEXITY})
    short_complex, long_simple = check_complexity(comp)

    n_sens = sum(bool(r["sensitive"]) for r in sens)
    n_comp = sum(bool(r["complex"]) for r in comp)
    print(
        f"{SENSITIVITY_PATH.name}: {len(sens)} rows, {n_sens} sensitive ({n_sens / len(sens):.1%})\n"
    )
    print(split_table(sens, "sensitive"))
    print(
        f"\n{COMPLEXITY_PATH.name}: {len(comp)} rows, {n_comp} complex ({n_comp / len(comp):.1%}); {short_complex} complex under 80 chars, {long_simple} simple over 400 chars\n"
    )
    print(split_table(comp, "complex"))
    print("\nall checks passed")


if __name__ == "__main__":
    main()
