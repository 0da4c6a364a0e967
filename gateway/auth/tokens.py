"""JWT checks shared by the Entra and dev verifiers, with errors that say what failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jwt

from gateway.errors import InvalidToken

ALGORITHM = "RS256"


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, read before the signature is checked, to find the key.
    Nothing read here is trusted until `verified_claims` succeeds."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("the bearer token is not a well-formed JWT") from exc
    algorithm = header.get("alg")
    if algorithm != ALGORITHM:
        # Refusing before any key is touched rules out alg=none and HS256-with-the-
        # public-key confusion.
        raise InvalidToken(f"signing algorithm {str(algorithm)[:16]!r} is not accepted; use RS256")
    return header, claims


def verified_claims(
    token: str, key: Any, *, audiences: Sequence[str], issuer: str, leeway_s: int
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[ALGORITHM],
            audience=list(audiences),
            issuer=issuer,
            leeway=leeway_s,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidToken("the token is not valid yet (nbf)") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidToken("the token is for another audience") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken("the token has the wrong issuer") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("the token signature does not verify") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"the token lacks the {exc.claim} claim") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("the token is invalid") from exc
    return claims
