# ruff: noqa: E501
"""Build labelled evaluation data for hybridgate's prompt classifier.

Writes four JSONL files into gateway/classify/data/eval/, where they ship with the
package (`hybridgate eval` reads them; README.md there describes them):

* sensitivity.jsonl -- {"id", "text", "sensitive", "category", "split"}
* complexity.jsonl  -- {"id", "text", "complex", "category", "split"}
* sensitivity_languages.jsonl, complexity_languages.jsonl -- the same, with "language"

The hand-written templates and prompts are data files in tools/datasets/ (read here
and by handwritten_prompts.py); this script fills the templates with fake values,
splits, checks and writes. Deterministic: stdlib only, every random choice comes from
random.Random(20261129), and rows are written in a fixed order. All personal data and
credentials are generated fakes (random digits and letters with valid-looking
checksums).

Run:  .venv/bin/python tools/build_datasets.py [--out DIR]  (paths are relative to
this script; --out writes the sets elsewhere, e.g. to compare them with the shipped ones)
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import itertools
import json
import re
import string
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import multilingual_dev
import multilingual_heldout
from handwritten_prompts import Group, complexity_groups, sensitivity_groups

SEED = 20261129
rng = Random(SEED)
# Relative to this script, so it runs from any checkout.
OUT = Path(__file__).resolve().parent.parent / "gateway" / "classify" / "data" / "eval"
SENSITIVITY_NAME = "sensitivity.jsonl"
COMPLEXITY_NAME = "complexity.jsonl"
# The other covered languages' prompts, hand-written: the dev split
# (tools/multilingual_dev.py) and the held-out one (tools/multilingual_heldout.py) by
# different authors, apart from each other and from the classifier's lists.
LANGUAGE_SENSITIVITY_NAME = "sensitivity_languages.jsonl"
LANGUAGE_COMPLEXITY_NAME = "complexity_languages.jsonl"
DATASETS = Path(__file__).resolve().parent / "datasets"
SENSITIVITY_SOURCES = DATASETS / "sensitivity.json"
COMPLEXITY_SOURCES = DATASETS / "complexity.json"

ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
B64URL = ALNUM + "-_"


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

    def enc(obj: Mapping[str, object]) -> str:
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
# The hand-written templates and prompts (tools/datasets/)
# =====================================================================================


@dataclass(frozen=True)
class Sources:
    """tools/datasets/sensitivity.json and complexity.json: each category's templates
    or prompts, in the order their rows are written."""

    sensitive: list[tuple[str, list[str], int]]  # category, templates, rows to fill
    harmless: list[tuple[str, list[str]]]
    complex: list[tuple[str, list[str]]]
    simple: list[tuple[str, list[str]]]
    # The parts of the long simple prompts (`long_simple_prompts`).
    long_simple: dict[str, Any]


def load_sources() -> Sources:
    sensitivity = json.loads(SENSITIVITY_SOURCES.read_text(encoding="utf-8"))
    complexity = json.loads(COMPLEXITY_SOURCES.read_text(encoding="utf-8"))
    return Sources(
        sensitive=[
            (category, spec["templates"], spec["rows"])
            for category, spec in sensitivity["sensitive_templates"].items()
        ],
        harmless=list(sensitivity["harmless"].items()),
        complex=list(complexity["complex"].items()),
        simple=list(complexity["simple"].items()),
        long_simple=complexity["long_simple"],
    )


def long_simple_prompts(parts: dict[str, Any]) -> dict[str, list[str]]:
    """Long (>400 characters) prompts that are nevertheless simple tasks, built from
    the hand-written `parts` (paragraphs to fix or translate, grocery items) and the
    seeded generator."""
    grammar_paragraphs: list[str] = parts["grammar_paragraphs"]
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
    items = rng.sample(parts["groceries"], 20)
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

    for paragraph in grammar_paragraphs[:3]:
        out["grammar"].append(
            f"Fix the spelling and grammar in this paragraph and return only the corrected text: {paragraph}"
        )
    out["grammar"].append(f"Please proofread this for the newsletter: {grammar_paragraphs[3]}")

    for paragraph in parts["translation_paragraphs"]:
        out["translation"].append(
            f"Translate this paragraph into {paragraph['language']}: {paragraph['text']}"
        )

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


def handwritten(group: Group) -> list[tuple[str, str]]:
    return [(t, "dev") for t in group.dev] + [(t, "heldout") for t in group.heldout]


def build_sensitivity(sources: Sources, groups: list[Group]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for category, templates, n in sources.sensitive:
        rows += rows_for(category, from_templates(category, templates, n), "sensitive", True)
    for category, texts in sources.harmless:
        rows += rows_for(category, own_splits(texts), "sensitive", False)
    for group in groups:
        rows += rows_for(group.category, handwritten(group), "sensitive", group.label)
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


def build_complexity(
    sources: Sources, long_simple: dict[str, list[str]], groups: list[Group]
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for category, texts in sources.complex:
        rows += rows_for(category, own_splits(texts), "complex", True)
    for category, texts in sources.simple:
        # The generated long prompts follow each category's hand-written ones.
        rows += rows_for(
            category, own_splits(texts + long_simple.get(category, [])), "complex", False
        )
    for group in groups:
        rows += rows_for(group.category, handwritten(group), "complex", group.label)
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
    path: Path, label_key: str, id_prefix: str, minimums: dict[bool, int], handwritten: set[str]
) -> list[dict[str, object]]:
    """The rows of `path`, checked. The `handwritten` groups have their own, larger
    held-out share (they are what the held-out split is mostly for)."""
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
        minimum = minimums[bool(next(iter(labels)))]
        if len(cat_rows) < minimum:
            errors.append(f"{cat}: only {len(cat_rows)} rows (< {minimum})")
        held = sum(r["split"] == "heldout" for r in cat_rows) / len(cat_rows)
        if cat not in handwritten and not 0.25 <= held <= 0.35:
            errors.append(f"{cat}: heldout fraction {held:.2f}")
    if errors:
        sys.exit("\n".join(["CHECK FAILED:", *errors]))
    return rows


def check_sensitivity(rows: list[dict[str, object]], groups: list[Group]) -> None:
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
        *(group.category for group in groups),
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    out = parser.parse_args(argv).out
    sources = load_sources()
    sensitivity, complexity = sensitivity_groups(), complexity_groups()
    # Before anything else draws from the seeded generator, as it always has: the
    # draws' order decides every generated value.
    long_simple = long_simple_prompts(sources.long_simple)

    languages = out / LANGUAGE_SENSITIVITY_NAME, out / LANGUAGE_COMPLEXITY_NAME
    write_jsonl(languages[0], build_languages("sensitive", "ls"))
    write_jsonl(languages[1], build_languages("complex", "lc"))
    print(language_table(check_languages(languages[0], "sensitive"), "sensitive"))
    print()
    print(language_table(check_languages(languages[1], "complex"), "complex"))
    print()
    sensitivity_path, complexity_path = out / SENSITIVITY_NAME, out / COMPLEXITY_NAME
    write_jsonl(sensitivity_path, build_sensitivity(sources, sensitivity))
    write_jsonl(complexity_path, build_complexity(sources, long_simple, complexity))

    handwritten = {group.category for group in sensitivity + complexity}
    minimums = {True: MIN_SENSITIVE, False: MIN_HARMLESS}
    sens = check(sensitivity_path, "sensitive", "s", minimums, handwritten)
    check_sensitivity(sens, sensitivity)
    minimums = {True: MIN_COMPLEXITY, False: MIN_COMPLEXITY}
    comp = check(complexity_path, "complex", "c", minimums, handwritten)
    short_complex, long_simple_count = check_complexity(comp)

    n_sens = sum(bool(r["sensitive"]) for r in sens)
    n_comp = sum(bool(r["complex"]) for r in comp)
    print(
        f"{sensitivity_path.name}: {len(sens)} rows, {n_sens} sensitive ({n_sens / len(sens):.1%})\n"
    )
    print(split_table(sens, "sensitive"))
    print(
        f"\n{complexity_path.name}: {len(comp)} rows, {n_comp} complex ({n_comp / len(comp):.1%}); {short_complex} complex under 80 chars, {long_simple_count} simple over 400 chars\n"
    )
    print(split_table(comp, "complex"))
    print("\nall checks passed")


if __name__ == "__main__":
    main()
