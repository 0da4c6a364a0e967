"""JWT checks shared by the Entra and dev verifiers, with errors that say what failed."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

import jwt

from gateway.errors import InvalidToken

ALGORITHM = "RS256"


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, read before the signature is checked, to find the key.
    Nothing read here is trusted until `verified_claims` succeeds.

    Parsed here rather than with PyJWT, whose per-character base64url checks cost
    more than the RSA verification itself; PyJWT still does the one decode that counts.
    """
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("a JWS has three parts")
        header, claims = _json_segment(parts[0]), _json_segment(parts[1])
    except (ValueError, binascii.Error) as exc:
        raise InvalidToken("the bearer token is not a well-formed JWT") from exc
    algorithm = header.get("alg")
    if algorithm != ALGORITHM:
        # Refusing before any key is touched rules out alg=none and HS256-with-the-
        # public-key confusion.
        raise InvalidToken(f"signing algorithm {str(algorithm)[:16]!r} is not accepted; use RS256")
    return header, claims


def _json_segment(segment: str) -> dict[str, Any]:
    value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(value, dict):
        raise ValueError("a JWT segment must be a JSON object")
    return value


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
