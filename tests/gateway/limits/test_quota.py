"""Whose quota and which: keys from the principal's claims (hashed for a shared store),
and the part of each limit one replica enforces alone."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from gateway.auth.principal import Principal
from gateway.limits.quota import divided, hashed_key, principal_key, quota_for
from tests.gateway.limits.helpers import limits, who

BATCH_GROUP = "6f1a2b3c-0000-4000-8000-000000000001"  # an Entra group's object id


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


def member(groups: frozenset[str] | None, roles: tuple[str, ...] = ()) -> Principal:
    return dataclasses.replace(who("oid-1", roles=roles), groups=groups)


GROUPS = limits(
    default={"requests_per_minute": 600},
    roles=[
        {"roles_any": ["Batch.Jobs"], "requests_per_minute": 60},
        {"groups_any": [BATCH_GROUP], "requests_per_minute": 30},
        {"roles_any": ["Ops"], "groups_any": ["ops-group"], "requests_per_minute": 6000},
    ],
)


@pytest.mark.parametrize(
    ("groups", "roles", "expected"),
    [
        (frozenset({BATCH_GROUP}), (), 30),
        (frozenset({"other"}), (), 600),
        (frozenset({BATCH_GROUP}), ("Batch.Jobs",), 60),  # the first entry that matches
        (frozenset({"ops-group"}), (), 6000),  # roles or groups, either matches
        (frozenset(), ("Ops",), 6000),
        # A groups overage claim: the groups are unknown and match nothing.
        (None, (), 600),
    ],
)
def test_a_quota_may_belong_to_an_entra_group(
    groups: frozenset[str] | None, roles: tuple[str, ...], expected: int
) -> None:
    principal = member(groups, roles)
    assert quota_for(GROUPS, principal).requests_per_minute == expected
    assert quota_for(GROUPS, None).requests_per_minute == 600
    # Which quota, not whose count: the key stays the user's.
    assert principal_key(GROUPS, principal) == "user:oid-1"


def test_a_group_quota_is_divided_like_any_other() -> None:
    part = divided(GROUPS, 3)
    assert part.roles[1].requests_per_minute == 10
    assert part.roles[1].groups_any == [BATCH_GROUP]


def test_a_roles_entry_must_name_roles_or_groups() -> None:
    with pytest.raises(ValidationError, match="roles_any, groups_any or both"):
        limits(roles=[{"requests_per_minute": 1}])
    with pytest.raises(ValidationError, match="groups_any"):
        limits(roles=[{"groups_any": [], "requests_per_minute": 1}])
