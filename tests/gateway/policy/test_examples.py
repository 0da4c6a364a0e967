"""Each shipped example policy on prompts whose routes it promises."""

from __future__ import annotations

import pytest

from gateway.auth.principal import principal_from_claims
from gateway.classify.extract import Segment
from gateway.classify.registry import Classifiers
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import load_policy
from tests.conftest import DEFAULT_POLICY

EXAMPLES = DEFAULT_POLICY.parent / "examples"
PROOF = "Prove that the square root of 2 is irrational."
DESIGN = "Design a distributed rate limiter for a multi-region API with failover."
CARD = "Charge card 4111 1111 1111 1111 for the order and send a receipt."
MRN = "Patient Mary Jones, MRN 00482913, needs a discharge summary."
FLU = "What are common symptoms of the flu?"
GREETING = "Translate 'good morning' into French."
CODE_NAME = "Summarise the Q3 risks for Project Bluefin."
PEOPLE = (
    "Write a detailed strategic analysis comparing the leadership styles of Maria Garcia "
    "and John Smith across three reorganisations, with risks and trade-offs."
)

CASES = [
    ("healthcare", MRN, "auto", (), "edge", "phi-stays-on-edge"),
    ("healthcare", FLU, "auto", (), "edge", "phi-stays-on-edge"),
    ("healthcare", PROOF, "auto", (), "cloud", "complex-to-cloud"),
    ("healthcare", PEOPLE, "auto", (), "cloud+redacted", "deidentified-analytics"),
    ("healthcare", MRN, "cloud", (), "deny", "phi-stays-on-edge"),
    ("finance", CARD, "auto", (), "edge", "payment-data-stays-on-edge"),
    ("finance", CARD, "cloud", (), "deny", "card-data-never-to-cloud"),
    ("finance", PROOF, "auto", (), "cloud", "complex-to-cloud"),
    ("code-names", CODE_NAME, "auto", (), "edge", "code-names-stay-on-edge"),
    ("code-names", CODE_NAME, "cloud", (), "deny", "code-name-to-cloud-refused"),
    ("code-names", DESIGN, "auto", (), "cloud", "complex-to-cloud"),
    (
        "role-based",
        DESIGN,
        "auto",
        ("Hybridgate.CloudUser",),
        "cloud",
        "cloud-users-complex-to-cloud",
    ),
    ("role-based", DESIGN, "auto", (), "edge", "default"),
    ("role-based", PROOF, "cloud", (), "deny", "cloud-needs-the-role"),
    ("role-based", GREETING, "cloud", ("Hybridgate.CloudUser",), "cloud", "caller-asked-for-cloud"),
    ("role-based", CARD, "cloud", ("Hybridgate.CloudUser",), "deny", "sensitive-stays-on-edge"),
]


@pytest.mark.parametrize(
    ("example", "prompt", "model", "roles", "route", "rule"),
    CASES,
    ids=[f"{c[0]}:{c[5]}:{c[2]}" for c in CASES],
)
def test_example_routes(
    classifiers: Classifiers,
    example: str,
    prompt: str,
    model: str,
    roles: tuple[str, ...],
    route: str,
    rule: str,
) -> None:
    policy, revision = load_policy(EXAMPLES / f"{example}.yaml")
    signals = classifiers.classify_segments([Segment("user", prompt)])
    principal = principal_from_claims({"tid": "t", "scp": "access_as_user", "roles": list(roles)})
    decision = evaluate(policy, revision, signals, principal, RequestFacts(model), "d")
    got = decision.route + ("+redacted" if decision.redacted else "")
    assert (got, decision.rule) == (route, rule), decision.trace
