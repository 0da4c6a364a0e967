"""Settings models for authentication; `gateway.settings.GatewaySettings` embeds them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_AUTHORITY = HttpUrl("https://login.microsoftonline.com")


class EntraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: str | None = None
    # Multi-tenant APIs list every tenant they accept; tenant_id alone means just it.
    allowed_tenants: list[str] = []
    # The API's client ID and/or App ID URIs (api://<client-id>).
    audiences: list[str] = []
    authority: HttpUrl = DEFAULT_AUTHORITY
    # Any one of these is enough. Scopes are checked on user tokens, roles on app tokens.
    required_scopes: list[str] = ["access_as_user"]
    required_roles: list[str] = ["Hybridgate.Invoke"]
    admin_role: str = "Hybridgate.Admin"
    # Besides the admin role, these may call POST /v1/route/explain.
    explain_roles: list[str] = []
    leeway_s: int = Field(default=60, ge=0, le=600)

    def tenants(self) -> frozenset[str]:
        return frozenset(self.allowed_tenants) | (
            {self.tenant_id} if self.tenant_id else frozenset()
        )


class DevAuthSettings(BaseModel):
    """The local dev issuer: an RS256 key pair kept under the state directory."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = "https://hybridgate.dev.invalid/issuer"
    audience: str = "api://hybridgate-dev"
    tenant_id: str = "00000000-0000-0000-0000-00000000dev0"


class AuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["entra", "dev"] = "dev"
    entra: EntraSettings = EntraSettings()
    dev: DevAuthSettings = DevAuthSettings()
    # A token that verified is trusted again, without the RSA and claims checks, for
    # at most this long (and never past its exp, nor past its signing keys' next
    # refresh); 0 verifies every request afresh.
    verified_token_cache_s: int = Field(default=300, ge=0, le=3600)

    @model_validator(mode="after")
    def _entra_is_complete(self) -> AuthSettings:
        if self.mode == "entra":
            if not self.entra.tenants():
                raise ValueError("auth.entra needs tenant_id or allowed_tenants in entra mode")
            if not self.entra.audiences:
                raise ValueError("auth.entra.audiences must name the API in entra mode")
        return self


class OutboundAuthSettings(BaseModel):
    """How the gateway authenticates itself to a backend. Secrets are never in the YAML:
    it names an env var or a file that holds them."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[
        "none", "client_credentials", "managed_identity", "on_behalf_of", "workload_identity"
    ] = "none"
    # client_credentials and on_behalf_of: the gateway's own app registration.
    tenant_id: str | None = None
    client_id: str | None = None
    authority: HttpUrl | None = None  # default: auth.entra.authority
    scopes: list[str] = []  # e.g. ["api://<cloud-app-id>/.default"]
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    # PEM holding the private key and its certificate.
    certificate_file: Path | None = None
    # managed_identity: None for system-assigned, a client id for user-assigned.
    managed_identity_client_id: str | None = None
    resource: str | None = None  # managed identity asks for a resource, not scopes
    # Tokens are renewed this long before they expire.
    refresh_margin_s: int = Field(default=300, ge=0)

    @model_validator(mode="after")
    def _complete_for_kind(self) -> OutboundAuthSettings:
        if self.kind in {"client_credentials", "on_behalf_of"}:
            missing = [name for name in ("tenant_id", "client_id") if getattr(self, name) is None]
            if not self.scopes:
                missing.append("scopes")
            credentials = [self.client_secret_env, self.client_secret_file, self.certificate_file]
            if sum(c is not None for c in credentials) != 1:
                missing.append(
                    "exactly one of client_secret_env, client_secret_file, certificate_file"
                )
            if missing:
                raise ValueError(f"{self.kind} needs {', '.join(missing)}")
        if self.kind == "managed_identity" and not self.resource:
            raise ValueError("managed_identity needs resource (e.g. api://<cloud-app-id>)")
        if self.kind == "workload_identity":
            self._check_workload_identity()
        return self

    def _check_workload_identity(self) -> None:
        if not self.scopes:
            raise ValueError("workload_identity needs scopes (e.g. api://<cloud-app-id>/.default)")
        # The workload identity webhook sets these per pod from the service account; a
        # second copy in the YAML could only disagree with it.
        others = (
            "tenant_id",
            "client_id",
            "authority",
            "client_secret_env",
            "client_secret_file",
            "certificate_file",
            "managed_identity_client_id",
        )
        given = [name for name in others if getattr(self, name) is not None]
        if given:
            raise ValueError(
                f"workload_identity takes tenant, client and authority from the AZURE_* "
                f"environment, not from {', '.join(given)}"
            )


class WorkloadIdentityEnv(BaseSettings):
    """What AKS's workload identity webhook injects into a pod whose service account is
    annotated with a client id: read once when the credential is built."""

    model_config = SettingsConfigDict(env_prefix="AZURE_", extra="ignore")

    client_id: str | None = None
    tenant_id: str | None = None
    authority_host: HttpUrl | None = None
    # A projected service-account token that the kubelet rotates; read on every use.
    federated_token_file: Path | None = None

    def missing(self) -> list[str]:
        return [
            f"AZURE_{name.upper()}"
            for name in ("client_id", "tenant_id", "authority_host", "federated_token_file")
            if getattr(self, name) is None
        ]
