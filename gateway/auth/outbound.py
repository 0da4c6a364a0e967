"""The gateway's own credentials towards a backend, obtained with MSAL.

Tokens are cached and renewed `refresh_margin_s` before they expire; concurrent
requests wait for one fetch instead of each starting their own. MSAL is synchronous,
so its calls run in a worker thread. A token that cannot be had is a 503 whose
message carries MSAL's error code, never a secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from gateway.auth.authenticator import Caller
from gateway.auth.config import OutboundAuthSettings, WorkloadIdentityEnv
from gateway.auth.workload_identity import WorkloadIdentityApp
from gateway.errors import AuthUnavailable
from gateway.settings import read_secret
from gateway.tls import PinnedTrustSession

TokenResult = dict[str, Any]
OBO_CACHE_SIZE = 1024


class OutboundCredential(Protocol):
    async def authorization(self, caller: Caller | None) -> str | None:
        """The Authorization header value for the backend, or None for no header."""
        ...


class NoCredential:
    async def authorization(self, caller: Caller | None) -> str | None:
        return None


@dataclass
class _Token:
    value: str
    expires_at: float


class _TokenSlot:
    """One cached token with single-flight renewal."""

    def __init__(self, margin_s: float, clock: Callable[[], float]) -> None:
        self._margin_s = margin_s
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    async def get(self, acquire: Callable[[], TokenResult], backend: str) -> str:
        if (token := self._valid()) is not None:
            return token
        async with self._lock:
            if (token := self._valid()) is not None:
                return token
            result = await asyncio.to_thread(acquire)
            self._token = _parse(result, backend, self._clock())
            return self._token.value

    def _valid(self) -> str | None:
        token = self._token
        if token is not None and self._clock() < token.expires_at - self._margin_s:
            return token.value
        return None


def _parse(result: TokenResult, backend: str, now: float) -> _Token:
    if "access_token" not in result:
        # The error code is safe to show; the description may echo request details.
        code = str(result.get("error", "unknown_error"))[:64]
        raise AuthUnavailable(f"could not obtain a token for the {backend} backend ({code})")
    return _Token(str(result["access_token"]), now + float(result.get("expires_in", 0)))


class AppTokenCredential:
    """client_credentials or managed identity: one token for the gateway itself."""

    def __init__(
        self,
        acquire: Callable[[], TokenResult],
        backend: str,
        margin_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._acquire = acquire
        self._backend = backend
        self._slot = _TokenSlot(margin_s, clock)

    async def authorization(self, caller: Caller | None) -> str | None:
        return f"Bearer {await self._slot.get(self._acquire, self._backend)}"


class OnBehalfOfCredential:
    """Exchanges each caller's token, so the backend sees the user, not the gateway."""

    def __init__(
        self,
        exchange: Callable[[str], TokenResult],
        backend: str,
        margin_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._exchange = exchange
        self._backend = backend
        self._margin_s = margin_s
        self._clock = clock
        self._slots: OrderedDict[str, _TokenSlot] = OrderedDict()

    async def authorization(self, caller: Caller | None) -> str | None:
        if caller is None:
            raise AuthUnavailable(f"the {self._backend} backend needs a caller to act for")
        # Keyed by a hash: the cache never holds the caller's token itself.
        key = hashlib.sha256(caller.token.encode()).hexdigest()
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _TokenSlot(self._margin_s, self._clock)
            while len(self._slots) > OBO_CACHE_SIZE:
                self._slots.popitem(last=False)
        self._slots.move_to_end(key)
        token = caller.token
        return f"Bearer {await slot.get(lambda: self._exchange(token), self._backend)}"


def build_outbound_credential(
    settings: OutboundAuthSettings,
    backend: str,
    default_authority: str,
    ca_file: Path | None,
    workload_env: WorkloadIdentityEnv | None = None,
) -> OutboundCredential:
    """`workload_env` defaults to the AZURE_* variables of this process."""
    if settings.kind == "none":
        return NoCredential()
    margin = float(settings.refresh_margin_s)
    if settings.kind == "on_behalf_of":
        app = _LazyConfidentialApp(settings, default_authority, PinnedTrustSession(ca_file))
        return OnBehalfOfCredential(app.on_behalf_of, backend, margin)
    acquire = build_app_token_source(settings, default_authority, ca_file, workload_env)
    return AppTokenCredential(acquire, backend, margin)


def build_app_token_source(
    settings: OutboundAuthSettings,
    default_authority: str,
    ca_file: Path | None,
    workload_env: WorkloadIdentityEnv | None = None,
) -> Callable[[], TokenResult]:
    """MSAL's token request for the gateway's own identity (client_credentials, managed
    identity, workload identity): blocking, so callers run it in a worker thread. Used
    for backends and for the shared limit store's Entra sign-in alike."""
    session = PinnedTrustSession(ca_file)
    if settings.kind == "workload_identity":
        federated = WorkloadIdentityApp(workload_env or WorkloadIdentityEnv(), session)
        scopes = settings.scopes
        return lambda: federated.acquire_token_for_client(scopes)
    if settings.kind == "managed_identity":
        identity: msal.SystemAssignedManagedIdentity | msal.UserAssignedManagedIdentity = (
            msal.UserAssignedManagedIdentity(client_id=settings.managed_identity_client_id)
            if settings.managed_identity_client_id
            else msal.SystemAssignedManagedIdentity()
        )
        client = msal.ManagedIdentityClient(identity, http_client=session)
        resource = str(settings.resource)
        return lambda: client.acquire_token_for_client(resource=resource)
    if settings.kind == "client_credentials":
        return _LazyConfidentialApp(settings, default_authority, session).for_client
    raise ValueError(f"auth kind {settings.kind} has no token of the gateway's own")


class _LazyConfidentialApp:
    """Builds the MSAL app on first use: its constructor fetches the tenant's metadata,
    which must not block or fail the gateway's start-up."""

    def __init__(
        self, settings: OutboundAuthSettings, default_authority: str, session: requests.Session
    ) -> None:
        self._settings = settings
        self._authority = str(settings.authority or default_authority).rstrip("/")
        self._session = session
        self._app: msal.ConfidentialClientApplication | None = None

    def _get(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self._settings.client_id,
                client_credential=_client_credential(self._settings),
                authority=f"{self._authority}/{self._settings.tenant_id}",
                http_client=self._session,
                # Edge sites are often air-gapped; the authority is configured explicitly.
                instance_discovery=False,
            )
        return self._app

    def for_client(self) -> TokenResult:
        result: TokenResult = self._get().acquire_token_for_client(scopes=self._settings.scopes)
        return result

    def on_behalf_of(self, assertion: str) -> TokenResult:
        result: TokenResult = self._get().acquire_token_on_behalf_of(
            assertion, scopes=self._settings.scopes
        )
        return result


def _client_credential(settings: OutboundAuthSettings) -> str | dict[str, str]:
    if settings.certificate_file is None:
        return read_secret(settings.client_secret_env, settings.client_secret_file)
    pem = settings.certificate_file.read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    key = serialization.load_pem_private_key(pem, password=None)
    return {
        "private_key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        # The x5t header MSAL sends is SHA-1 by definition.
        "thumbprint": certificate.fingerprint(hashes.SHA1()).hex(),
        "public_certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    }
