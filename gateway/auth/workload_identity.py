"""AKS workload identity: the pod's projected service-account token is exchanged with
Entra ID for a token of the gateway's managed identity, as a federated credential.

The kubelet rotates the token file before it expires (atomically, via a `..data`
symlink), so the client assertion is read from the file on every token request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msal
import requests

from gateway.auth.config import WorkloadIdentityEnv
from gateway.errors import AuthUnavailable
from gateway.settings import ConfigError


class FederatedTokenFile:
    """MSAL's `client_assertion` callable: the current token in the file."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __call__(self) -> str:
        try:
            token = self._path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuthUnavailable(
                f"cannot read the federated token file {self._path}: {exc.strerror}"
            ) from exc
        if not token:
            raise AuthUnavailable(f"the federated token file {self._path} is empty")
        return token


class WorkloadIdentityApp:
    """A confidential client for the identity the webhook named, authenticated by the
    token file. MSAL's constructor fetches the tenant's metadata, so it is deferred to
    the first token request: start-up neither blocks on nor fails with Entra ID."""

    def __init__(self, env: WorkloadIdentityEnv, session: requests.Session) -> None:
        missing = env.missing()
        if missing or env.federated_token_file is None:
            raise ConfigError(
                "auth.kind workload_identity needs the environment the workload identity "
                f"webhook sets; not set: {', '.join(missing)}"
            )
        self._client_id = env.client_id
        self._authority = f"{str(env.authority_host).rstrip('/')}/{env.tenant_id}"
        self._assertion = FederatedTokenFile(env.federated_token_file)
        self._session = session
        self._app: msal.ConfidentialClientApplication | None = None

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self._client_id,
                # A callable: MSAL calls it for each token request, so a rotated file
                # is picked up without a restart.
                client_credential={"client_assertion": self._assertion},
                authority=self._authority,
                http_client=self._session,
                # The authority comes from the webhook; no instance discovery needed.
                instance_discovery=False,
            )
        result: dict[str, Any] = self._app.acquire_token_for_client(scopes=scopes)
        return result
