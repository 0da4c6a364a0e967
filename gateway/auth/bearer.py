"""Takes the bearer token from the Authorization header, and only from there."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import InvalidToken, MissingToken

MAX_AUTHORIZATION_BYTES = 16 * 1024


def bearer_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    if "access_token" in query:
        # URLs end up in access logs and proxies; a token there is already leaked.
        raise InvalidToken("tokens in the query string are refused; use the Authorization header")
    value = headers.get("authorization")
    if value is None:
        raise MissingToken("missing bearer token in the Authorization header")
    if len(value) > MAX_AUTHORIZATION_BYTES:
        raise InvalidToken("the Authorization header is larger than 16 KiB")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken("the Authorization header must use the Bearer scheme")
    if not token.strip():
        raise InvalidToken("the bearer token is empty")
    return token.strip()
