"""Who is calling: the identity a validated access token describes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Principal:
    subject: str
    oid: str | None
    tid: str
    app_id: str | None
    is_app: bool
    roles: frozenset[str]
    scopes: frozenset[str]
    # None when the token carries a groups overage claim: the groups are unknown,
    # which is not the same as "no groups".
    groups: frozenset[str] | None
    token_version: str
    # For logs and display only; never used to decide anything.
    display_name: str | None = None

    @property
    def groups_overage(self) -> bool:
        return self.groups is None


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Maps v1 and v2 Entra claims (and the dev issuer's, which mimic v2) to a Principal."""
    scopes = frozenset(str(claims.get("scp", "")).split())
    return Principal(
        subject=str(claims.get("sub", "")),
        oid=_str(claims.get("oid")),
        tid=str(claims.get("tid", "")),
        app_id=_str(claims.get("azp") or claims.get("appid")),
        # Entra marks app-only tokens with idtyp=app when the API asks for the optional
        # claim; without it, an app token is one with no delegated scopes.
        is_app=claims.get("idtyp") == "app" or not scopes,
        roles=frozenset(str(r) for r in claims.get("roles", []) or []),
        scopes=scopes,
        groups=None if _has_groups_overage(claims) else frozenset(claims.get("groups", [])),
        token_version=str(claims.get("ver", "1.0")),
        display_name=_str(
            claims.get("name") or claims.get("preferred_username") or claims.get("upn")
        ),
    )


def _has_groups_overage(claims: Mapping[str, Any]) -> bool:
    names = claims.get("_claim_names")
    return bool(claims.get("hasgroups")) or (isinstance(names, dict) and "groups" in names)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
