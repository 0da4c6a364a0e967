"""Validates Microsoft Entra ID access tokens, v1 and v2, for a protected web API.

The expected issuer comes from the tenant's OpenID metadata for the token's version,
never from a hard-coded host, so sovereign clouds and test issuers work unchanged.
"""

from __future__ import annotations

from gateway.auth.config import EntraSettings
from gateway.auth.jwks import SigningKeys
from gateway.auth.principal import Principal, principal_from_claims
from gateway.auth.tokens import unverified_parts, verified_claims
from gateway.auth.verified import VerifiedTokens, token_key
from gateway.errors import InvalidToken


def metadata_url(authority: str, tenant: str, version: str) -> str:
    base = f"{authority.rstrip('/')}/{tenant}"
    if version == "2.0":
        return f"{base}/v2.0/.well-known/openid-configuration"
    return f"{base}/.well-known/openid-configuration"


class EntraVerifier:
    def __init__(
        self, settings: EntraSettings, keys: SigningKeys, cache: VerifiedTokens | None = None
    ) -> None:
        self._settings = settings
        self._tenants = settings.tenants()
        self._authority = str(settings.authority)
        self._keys = keys
        self._cache = cache if cache is not None else VerifiedTokens(0)
        keys.on_change(self._cache.clear)

    async def verify(self, token: str) -> Principal:
        key = token_key(token)
        principal = self._cache.get(key)
        if principal is not None:
            return principal
        generation = self._keys.generation
        principal, exp, urls = await self._verify(token)
        if self._keys.generation == generation:  # no key set changed meanwhile
            self._cache.put(key, principal, exp, self._keys.fresh_until(*urls))
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float, tuple[str, str]]:
        """The principal, the token's exp, and the metadata and key set URLs that
        verified it."""
        header, unverified = unverified_parts(token)
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token header has no key id (kid)")
        tid = unverified.get("tid")
        if not isinstance(tid, str) or not tid:
            raise InvalidToken("the token has no tenant (tid)")
        if tid not in self._tenants:
            raise InvalidToken("the token's tenant is not allowed")
        version = "2.0" if unverified.get("ver") == "2.0" else "1.0"
        url = metadata_url(self._authority, tid, version)
        metadata = await self._keys.metadata(url)
        issuer = metadata.issuer.replace("{tenantid}", tid)
        if tid not in issuer:
            raise InvalidToken("the tenant's metadata names an issuer outside the tenant")
        key = await self._keys.key(metadata.jwks_uri, kid)
        if key is None:
            raise InvalidToken("the token is signed with an unknown signing key")
        claims = verified_claims(
            token,
            key,
            audiences=self._settings.audiences,
            issuer=issuer,
            leeway_s=self._settings.leeway_s,
        )
        return principal_from_claims(claims), float(claims["exp"]), (url, metadata.jwks_uri)
