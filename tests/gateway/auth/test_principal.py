from __future__ import annotations

from typing import Any

import pytest

from gateway.auth.principal import principal_from_claims


@pytest.mark.parametrize(
    ("claims", "is_app"),
    [
        ({"scp": "access_as_user"}, False),
        ({"roles": ["Hybridgate.Invoke"]}, True),
        ({"idtyp": "app", "scp": "x"}, True),
    ],
)
def test_app_tokens_are_recognised(claims: dict[str, Any], is_app: bool) -> None:
    assert principal_from_claims({"tid": "t", **claims}).is_app is is_app


@pytest.mark.parametrize(
    "overage",
    [{"hasgroups": True}, {"_claim_names": {"groups": "src1"}, "_claim_sources": {}}],
)
def test_groups_overage_means_unknown_groups(overage: dict[str, Any]) -> None:
    principal = principal_from_claims({"tid": "t", "scp": "s", **overage})
    assert principal.groups is None
    assert principal.groups_overage


def test_no_groups_claim_means_no_groups() -> None:
    principal = principal_from_claims({"tid": "t", "scp": "s"})
    assert principal.groups == frozenset()
    assert not principal.groups_overage


def test_v1_and_v2_app_ids() -> None:
    assert principal_from_claims({"azp": "v2-client"}).app_id == "v2-client"
    assert principal_from_claims({"appid": "v1-client"}).app_id == "v1-client"
