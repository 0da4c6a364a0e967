"""Authentication and authorization of a request: token in, `Caller` out, or a 401/403."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

from gateway.auth.bearer import bearer_token
from gateway.auth.config import AuthSettings, EntraSettings
from gateway.auth.dev import DevVerifier, load_or_create_key
from gateway.auth.entra import EntraVerifier
from gateway.auth.jwks import SigningKeys
from gateway.auth.principal import Principal
from gateway.auth.verified import VerifiedTokens
from gateway.errors import InsufficientScope


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


@dataclass(frozen=True)
class Caller:
    principal: Principal
    # Kept for on-behalf-of exchanges only; excluded from repr so it never reaches a log.
    token: str = field(repr=False)


class Authenticator:
    def __init__(self, verifier: TokenVerifier, rules: EntraSettings) -> None:
        self._verifier = verifier
        self._scopes = frozenset(rules.required_scopes)
        self._roles = frozenset(rules.required_roles)
        self._admin_role = rules.admin_role
        self._explain_roles = frozenset(rules.explain_roles) | {rules.admin_role}

    async def authenticate(self, headers: Mapping[str, str], query: Mapping[str, str]) -> Caller:
        token = bearer_token(headers, query)
        principal = await self._verifier.verify(token)
        self.require_invoke(principal)
        return Caller(principal, token)

    def require_invoke(self, principal: Principal) -> None:
        if principal.is_app:
            if self._roles and not principal.roles & self._roles:
                raise InsufficientScope(
                    f"app tokens need one of the roles: {', '.join(sorted(self._roles))}"
                )
        elif self._scopes and not principal.scopes & self._scopes:
            raise InsufficientScope(
                f"user tokens need one of the scopes: {', '.join(sorted(self._scopes))}"
            )

    def require_admin(self, principal: Principal) -> None:
        if self._admin_role not in principal.roles:
            raise InsufficientScope(f"this endpoint needs the {self._admin_role} role")

    def require_explain(self, principal: Principal) -> None:
        if not principal.roles & self._explain_roles:
            raise InsufficientScope(
                f"explain needs one of the roles: {', '.join(sorted(self._explain_roles))}"
            )


def build_authenticator(
    settings: AuthSettings, state_dir: Path, identity_http: httpx.AsyncClient
) -> Authenticator:
    verifier: TokenVerifier
    cache = VerifiedTokens(settings.verified_token_cache_s)
    if settings.mode == "entra":
        verifier = EntraVerifier(settings.entra, SigningKeys(identity_http), cache)
    else:
        key = load_or_create_key(state_dir)
        verifier = DevVerifier(settings.dev, key, settings.entra.leeway_s, cache)
    return Authenticator(verifier, settings.entra)
