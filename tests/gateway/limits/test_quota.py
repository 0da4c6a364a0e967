"""Whose quota and which: keys from the principal's claims (hashed for a shared store),
and the part of each limit one replica enforces alone."""

from __future__ import annotations

import pytest

from gateway.limits.quota import divided, hashed_key, principal_key
from tests.gateway.limits.helpers import limits, who


@pytest.mark.parametrize(
    ("key", "expected"),
    [("user", "user:oid-1"), ("app", "app:app"), ("tenant", "tenant:tid-1")],
)
def test_keys_come_from_the_claims(key: str, expected: str) -> None:
    assert principal_key(limits(key=key), who("oid-1", tenant="tid-1")) == expected
    assert principal_key(limits(key=key), None) == "anonymous"


def test_a_hashed_key_is_stable_and_names_no_one() -> None:
    hashed = hashed_key("user:jane.roe@contoso.com")
    assert hashed == hashed_key("user:jane.roe@contoso.com") != hashed_key("user:john")
    assert len(hashed) == 32
    assert "jane" not in hashed


@pytest.mark.parametrize(
    ("parts", "given", "expected"),
    [
        (1, 30, 30),
        (3, 30, 10),
        (4, 30, 8),  # rounded up
        (3, 2, 1),  # at least one
        (7, 1, 1),
    ],
)
def test_each_replica_enforces_its_part_rounded_up(parts: int, given: int, expected: int) -> None:
    policy = limits(
        default={"requests_per_minute": given, "concurrent": given},
        roles=[{"roles_any": ["Batch"], "tokens_per_minute": given}],
        edge={"concurrent": given, "max_share": 0.5},
    )
    part = divided(policy, parts)
    assert part.default.requests_per_minute == part.default.concurrent == expected
    assert part.default.tokens_per_minute is None  # no limit stays no limit
    assert part.roles[0].tokens_per_minute == expected
    assert part.roles[0].roles_any == ["Batch"]
    assert part.edge.concurrent == expected
    assert part.edge.max_share == 0.5
    assert policy.default.requests_per_minute == given  # the policy itself is untouched
