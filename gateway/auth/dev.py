"""The local dev issuer: an RS256 key pair under the state directory, a minting
function for `hybridgate dev-token`, and a verifier that accepts its tokens.

Dev tokens go through the same JWT checks and authorization as Entra tokens; only
where the key comes from differs.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth.config import DevAuthSettings
from gateway.auth.principal import Principal, principal_from_claims
from gateway.auth.tokens import ALGORITHM, unverified_parts, verified_claims
from gateway.auth.verified import VerifiedTokens, token_key

KEY_FILE = "dev-issuer-key.pem"
KID = "hybridgate-dev"


def load_or_create_key(state_dir: Path) -> rsa.RSAPrivateKey:
    """The dev signing key, made on first use and stored with mode 0600."""
    path = state_dir / KEY_FILE
    if not path.exists():
        _create_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def _create_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written under a temporary name and linked into place: two processes starting
    # together end up sharing one key, and nobody reads a half-written file.
    temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink()


def mint_dev_token(
    key: rsa.RSAPrivateKey,
    settings: DevAuthSettings,
    *,
    user: str,
    roles: list[str],
    scopes: list[str],
    ttl_s: int,
    app: bool = False,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": user,
        "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"hybridgate-dev:{user}")),
        "tid": settings.tenant_id,
        "azp": "hybridgate-dev-client",
        "name": user,
        "roles": roles,
        "ver": "2.0",
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
    }
    if app:
        claims["idtyp"] = "app"
    else:
        claims["scp"] = " ".join(scopes)
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": KID})


class DevVerifier:
    def __init__(
        self,
        settings: DevAuthSettings,
        key: rsa.RSAPrivateKey,
        leeway_s: int,
        cache: VerifiedTokens | None = None,
    ) -> None:
        self._settings = settings
        self._public_key = key.public_key()
        self._leeway_s = leeway_s
        # The key is read once at start: no rotation to watch for.
        self._cache = cache if cache is not None else VerifiedTokens(0)

    async def verify(self, token: str) -> Principal:
        key = token_key(token)
        principal = self._cache.get(key)
        if principal is not None:
            return principal
        unverified_parts(token)  # refuses anything but RS256 before the key is used
        claims = verified_claims(
            token,
            self._public_key,
            audiences=[self._settings.audience],
            issuer=self._settings.issuer,
            leeway_s=self._leeway_s,
        )
        principal = principal_from_claims(claims)
        self._cache.put(key, principal, float(claims["exp"]))
        return principal
