"""Random values of every entity type the default policy gives a level, each in a
sentence that carries the context its recognizer reads, with the forms that must never
reach a cloud. Valid checksums where the format has one. Shared by the encoded-leak
test; `random.Random` seeds them, so a failing value can be found again."""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Callable
from random import Random

from tests.gateway.leak_probe import Secret

ALNUM = string.ascii_letters + string.digits
GIVEN = ("Maria", "Tomasz", "Aoife", "Kwame", "Priya", "Henrik", "Fatima", "Diego", "Yuki")
SURNAMES = ("Kowalczyk", "Brennan", "Asante", "Raman", "Lindqvist", "Okafor", "Ferreira")
TERMS = ("Project Bluefin", "Project Nightjar", "Orion-7", "Contoso Pharma", "Fabrikam Health")


def _digits(rng: Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _luhn_complete(partial: str) -> str:
    total = 0
    for i, d in enumerate(reversed(partial + "0")):
        n = int(d)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return partial + str((10 - total % 10) % 10)


def ssn(rng: Random) -> Secret:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    value = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return Secret("US_SSN", "Her SSN {v} is on file.", value, (value, value.replace("-", "")))


def card(rng: Random) -> Secret:
    number = _luhn_complete("4" + _digits(rng, 14))
    value = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return Secret("CREDIT_CARD", "Charge card {v} today.", value, (number,))


def email(rng: Random) -> Secret:
    local = f"{rng.choice(GIVEN).lower()}.{rng.choice(SURNAMES).lower()}{rng.randint(10, 99)}"
    value = f"{local}@{rng.choice(['gmail.com', 'outlook.com', 'yahoo.com'])}"
    return Secret("EMAIL_ADDRESS", "Write to {v} tonight.", value, (local,))


def phone(rng: Random) -> Secret:
    area = rng.choice(["212", "415", "617", "312", "206"])
    exchange = rng.choice([e for e in range(201, 990) if e % 100 != 55 and e != 555])
    value = f"({area}) {exchange}-{_digits(rng, 4)}"
    plain = "".join(c for c in value if c.isdigit())
    return Secret("PHONE_NUMBER", "Call me on {v} tonight.", value, (plain,))


def iban(rng: Random) -> Secret:
    bban = _digits(rng, 18)
    check = 98 - int(bban + "131400") % 97  # D=13, E=14, check digits 00
    value = f"DE{check:02d}{bban}"
    spaced = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return Secret("IBAN_CODE", "Pay into IBAN {v} please.", spaced, (value,))


def nhs(rng: Random) -> Secret:
    while True:
        nine = _digits(rng, 9)
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(nine)) % 11
        if check == 11:
            check = 0
        if check != 10:
            break
    number = f"{nine}{check}"
    value = f"{number[:3]} {number[3:6]} {number[6:]}"
    return Secret("UK_NHS", "NHS number {v} for the referral.", value, (number,))


def routing(rng: Random) -> Secret:
    while True:
        eight = f"0{rng.randint(1, 9)}{_digits(rng, 6)}"
        weights = (3, 7, 1, 3, 7, 1, 3, 7)
        check = (10 - sum(int(d) * w for d, w in zip(eight, weights, strict=True)) % 10) % 10
        value = f"{eight}{check}"
        if len(set(value)) > 2:
            return Secret(
                "ABA_ROUTING_NUMBER", "Wire it to routing number {v} today.", value, (value,)
            )


def passport(rng: Random) -> Secret:
    value = f"{rng.randint(1, 9)}{_digits(rng, 8)}"
    return Secret("GOVERNMENT_ID", "My passport number is {v}, expiring soon.", value, (value,))


def mrn(rng: Random) -> Secret:
    value = f"MRN {_digits(rng, 8)}"
    return Secret("MEDICAL_RECORD_NUMBER", "Pull the chart for {v} please.", value, (value[4:],))


def aws_key(rng: Random) -> Secret:
    value = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
    return Secret("CLOUD_ACCESS_KEY", "boto3 fails with {v}", value, (value,))


def github_token(rng: Random) -> Secret:
    value = "ghp_" + "".join(rng.choice(ALNUM) for _ in range(36))
    return Secret("API_KEY", "Our CI uses the token {v} for pushes.", value, (value,))


def connection_string(rng: Random) -> Secret:
    password = "".join(rng.choice(ALNUM) for _ in range(14))
    value = f"postgres://app:{password}@db.internal:5432/prod"
    return Secret("CONNECTION_STRING", "Connect with {v} and run it.", value, (password,))


def jwt(rng: Random) -> Secret:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    signature = "".join(rng.choice(ALNUM + "-_") for _ in range(43))
    value = f"{part({'alg': 'HS256'})}.{part({'sub': _digits(rng, 8)})}.{signature}"
    return Secret("JWT", "The request carried {v} as its bearer.", value, (signature,))


def private_key(rng: Random) -> Secret:
    body = "".join(rng.choice(ALNUM + "+/") for _ in range(64))
    value = f"-----BEGIN RSA PRIVATE KEY-----\nMIIE{body}\n-----END RSA PRIVATE KEY-----"
    return Secret("PRIVATE_KEY", "{v}", value, (body,))


def street_address(rng: Random) -> Secret:
    street = rng.choice(["Maple", "Harbour", "Juniper", "Oakridge", "Linden"])
    value = f"{rng.randint(10, 9999)} {street} Street"
    return Secret("STREET_ADDRESS", "She moved to {v} last spring.", value, (value,))


def confidential_term(rng: Random) -> Secret:
    value = rng.choice(TERMS)
    return Secret("CONFIDENTIAL_TERM", "What is the launch date of {v}?", value, (value,))


def person_with_diagnosis(rng: Random) -> Secret:
    value = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
    return Secret("PERSON", "Patient {v} was diagnosed with type 2 diabetes.", value, (value,))


PLANTED: dict[str, Callable[[Random], Secret]] = {
    build.__name__: build
    for build in (
        ssn,
        card,
        email,
        phone,
        iban,
        nhs,
        routing,
        passport,
        mrn,
        aws_key,
        github_token,
        connection_string,
        jwt,
        private_key,
        street_address,
        confidential_term,
        person_with_diagnosis,
    )
}
