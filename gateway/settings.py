"""The gateway's settings: its sections of hybridgate.yaml, as `GatewaySettings`.

The file and the HYBRIDGATE_* env vars are read by the command line
(`gateway.cli.settings`), which composes these with the edge's and the cloud's; only
secrets the config names by env var or file are read here, by `read_secret`.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from common.binding import require_loopback
from gateway.auth.config import AuthSettings, OutboundAuthSettings
from gateway.policy.fields import ALL, CLOUD_FIELDS


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which key and why."""


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # Keys of the dev issuer and, by default, the audit log live here.
    state_dir: Path = Path(".hybridgate")
    # On SIGTERM, requests in flight get this long to finish while new ones get a 503
    # draining; streams still open then end with an error event and [DONE]. Keep it
    # below the orchestrator's grace period (Kubernetes: terminationGracePeriodSeconds).
    drain_timeout_s: float = Field(default=25.0, ge=0)
    # This replica's name in its audit events (`replica`), which tells several
    # replicas' logs apart when they are verified or reported together. None: the host
    # name (a Kubernetes pod's name), looked up when the audit log starts.
    replica_id: str | None = Field(default=None, min_length=1, max_length=253)

    def resolved_replica_id(self) -> str:
        """`replica_id`, else the host name: looked up here, not at import or when the
        default is made, so that settings load without touching the host."""
        return self.replica_id or socket.gethostname()


class ClassificationSettings(BaseModel):
    """What one request's classification may cost. Past a limit the request is not
    refused: what was not read is unclassified content (`oversized`, `timeout`), which
    the policy keeps from the cloud unless a rule names it in `allow_unclassified`."""

    model_config = ConfigDict(extra="forbid")

    # Characters read per request, every text place together; the rest is not read.
    max_chars: int = Field(default=400_000, ge=1_000)
    # Seconds a request's classification may take; then it stops with what it read.
    timeout_s: float = Field(default=5.0, gt=0)
    # Texts read one by one; past this, earlier messages are read joined together.
    max_messages: int = Field(default=256, ge=16)
    # Threads that classify, so that one long classification does not hold up others.
    workers: int = Field(default=2, ge=1, le=16)


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Relative paths are relative to the working directory.
    file: Path = Path("policies/default.yaml")
    # How often the file is checked for changes (hot reload).
    reload_interval_s: float = Field(default=2.0, gt=0)


class OtelLogsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # An OTLP/HTTP logs endpoint (a collector, or Azure Monitor's through one), e.g.
    # http://collector:4318/v1/logs. None: audit events stay in the local file only.
    endpoint: HttpUrl | None = None
    headers: dict[str, str] = {}


class AuditSettings(BaseModel):
    """The decision log: one hash-chained JSON line per request."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # None: <server.state_dir>/audit/audit.jsonl. Rotated files sit beside it.
    path: Path | None = None
    # always: fsync each batch before the response; interval: at most every
    # fsync_interval_ms after a write; never: the OS decides.
    fsync: Literal["always", "interval", "never"] = "interval"
    fsync_interval_ms: int = Field(default=10, ge=1)
    max_file_bytes: int = Field(default=64 * 1024 * 1024, ge=4096)
    queue_size: int = Field(default=10_000, ge=1)
    # fail_closed: a request whose event cannot be written gets a 503 (streams, whose
    # status has gone out already, are logged as unaudited); fail_open: it is served
    # and the failure is logged and counted.
    on_failure: Literal["fail_closed", "fail_open"] = "fail_closed"
    # hashed: oid, tid and app id as HMAC-SHA256 under a key kept beside the log
    # (audit query hashes what it is given the same way); clear: as in the token.
    principal: Literal["hashed", "clear"] = "hashed"
    otel_logs: OtelLogsSettings = OtelLogsSettings()

    def resolved_path(self, state_dir: Path) -> Path:
        return self.path or state_dir / "audit" / "audit.jsonl"


class TracingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # An OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. None: off.
    endpoint: HttpUrl | None = None
    headers: dict[str, str] = {}
    service_name: str = "hybridgate"


class ReportSettings(BaseModel):
    """Figures `hybridgate report` needs that the audit log cannot know."""

    model_config = ConfigDict(extra="forbid")

    # GPUs behind the cloud leg, for tokens per GPU-hour.
    cloud_gpus: int = Field(default=8, ge=1)
    # What the cloud leg costs per million tokens, to price the work the edge did.
    cloud_input_usd_per_mtok: float = Field(default=0.90, ge=0)
    cloud_output_usd_per_mtok: float = Field(default=0.90, ge=0)


class TelemetrySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # /metrics on the gateway's port needs the admin role. A port here also serves it
    # without authentication, on loopback only, for a local Prometheus agent.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    tracing: TracingSettings = TracingSettings()
    report: ReportSettings = ReportSettings()

    @field_validator("metrics_host")
    @classmethod
    def _loopback_only(cls, host: str) -> str:
        return require_loopback(host, "telemetry.metrics")


class Timeouts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Opening a connection to the backend, TLS handshake included.
    connect_s: float = Field(default=5.0, gt=0)
    # Until the backend's response starts (its status line and headers).
    first_byte_s: float = Field(default=60.0, gt=0)
    # The longest silence between two pieces of a response (idle gap in a stream).
    read_s: float = Field(default=120.0, gt=0)
    # The whole exchange, streaming included.
    total_s: float = Field(default=600.0, gt=0)
    # Sending a request. Only a transport given in code (httpx's own) applies it: the
    # default hop, over aiohttp, sends a request in one write and bounds that write,
    # with the wait for the answer, by first_byte_s.
    write_s: float = Field(default=30.0, gt=0)
    # Waiting for a free connection while max_connections are in use.
    pool_s: float = Field(default=5.0, gt=0)


class BackendSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    model: str
    timeouts: Timeouts = Timeouts()
    max_connections: int = Field(default=64, ge=1)
    # Retries before the first byte reaches the client, only when the backend was
    # unreachable or not ready; never on a 4xx.
    retries: int = Field(default=1, ge=0, le=5)
    # Across requests, retries may add at most this share of the requests of the last
    # 10 s, plus retry_budget_min_per_s, so a failing backend meets no retry storm.
    retry_budget_ratio: float = Field(default=0.2, ge=0, le=1)
    retry_budget_min_per_s: float = Field(default=1.0, ge=0)
    # The circuit breaker opens after this many consecutive failures...
    breaker_failures: int = Field(default=5, ge=1)
    # ...and lets a trial request through after this long.
    breaker_cooldown_s: float = Field(default=10.0, gt=0)
    auth: OutboundAuthSettings = OutboundAuthSettings()
    # How POST /v1/responses reaches this backend. translate: as a chat completion,
    # its answer translated back (the edge and the local cloud leg speak only chat
    # completions); native: the Responses body as it is (redacted where the policy
    # says so), on the backend's own /v1/responses.
    responses: Literal["native", "translate"] = "translate"

    @field_validator("url")
    @classmethod
    def _base_url(cls, url: HttpUrl) -> HttpUrl:
        # OpenAI clients take base URLs ending in /v1; the gateway adds /v1/... itself,
        # so both forms are accepted rather than asking for /v1/v1/chat/completions.
        path = (url.path or "").rstrip("/")
        if path.endswith("/v1"):
            return HttpUrl(str(url).rstrip("/")[: -len("/v1")] or str(url))
        return url

    # The top-level body fields this backend is sent; every other field is dropped.
    # "*" (the edge's default) forwards them all.
    forward_fields: list[str] = Field(default_factory=lambda: list(CLOUD_FIELDS), min_length=1)
    embedding_model: str | None = None


class EdgeBackendSettings(BackendSettings):
    url: HttpUrl = HttpUrl("http://127.0.0.1:8081")
    model: str = "smollm2-135m-instruct"
    # The model /v1/embeddings requests are sent with; null: this backend serves none.
    embedding_model: str | None = "all-minilm-l6-v2"
    forward_fields: list[str] = Field(default_factory=lambda: [ALL], min_length=1)
    # How often the edge's in-flight count is read, for spillover rules.
    load_poll_s: float = Field(default=0.5, gt=0)


class CloudBackendSettings(BackendSettings):
    url: HttpUrl = HttpUrl("http://127.0.0.1:8000")
    model: str = "cloud-smollm2-135m"
    # The cloud leg runs the edge's app and serves the same embeddings model. Null for
    # a cloud without embeddings: a rule that routes them there then falls back to the
    # edge when it allows, or the request fails with 503; nothing is sent.
    embedding_model: str | None = "all-minilm-l6-v2"

    @field_validator("forward_fields")
    @classmethod
    def _named_fields_only(cls, fields: list[str]) -> list[str]:
        # What leaves the appliance is named field by field, so that each is classified.
        if ALL in fields:
            raise ValueError(
                'the cloud\'s forward_fields must name its fields; "*" is for the edge'
            )
        return fields


class BackendsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edge: EdgeBackendSettings = EdgeBackendSettings()
    cloud: CloudBackendSettings = CloudBackendSettings()


class RedisEntraSettings(BaseModel):
    """Azure Cache for Redis / Azure Managed Redis with Microsoft Entra authentication:
    the gateway's own identity, its token renewed before it expires."""

    model_config = ConfigDict(extra="forbid")

    # The object (principal) id of the gateway's identity: the Redis user that the
    # cache's access policy assignment names. Required with auth entra.
    object_id: str | None = None
    scope: str = "https://redis.azure.com/.default"
    # workload_identity: AKS, from the AZURE_* variables its webhook sets;
    # managed_identity: the VM's or App Service's own identity.
    credential: Literal["workload_identity", "managed_identity"] = "workload_identity"
    # managed_identity: None for system-assigned, a client id for user-assigned.
    managed_identity_client_id: str | None = None
    # Tokens are renewed this long before they expire (at half their life if shorter).
    refresh_margin_s: int = Field(default=300, ge=0)


class RedisSettings(BaseModel):
    """Where the shared limit store is and how the gateway signs in to it. Secrets are
    never in the YAML: it names an env var or a file that holds the password."""

    model_config = ConfigDict(extra="forbid")

    # redis://host:6379/0 or rediss://host:6380/0 (TLS); without a password in it.
    url: str | None = None
    # none; password (Redis AUTH, from password_env or password_file); entra (Azure
    # Cache for Redis / Azure Managed Redis with Microsoft Entra authentication).
    auth: Literal["none", "password", "entra"] = "none"
    # password: the env var or the file (a mounted Secret, read at each new connection).
    password_env: str | None = None
    password_file: Path | None = None
    # password: an ACL user; None for the default user.
    username: str | None = None
    entra: RedisEntraSettings = RedisEntraSettings()
    # Connecting, and each check (its round trip and one quick retry): past it the
    # store counts as unreachable.
    socket_timeout_s: float = Field(default=0.25, gt=0, le=10)
    # Every key the gateway writes starts with this (no braces: they are hash tags).
    key_prefix: str = Field(default="hybridgate:limits:", pattern=r"^[^{}]*$")

    @field_validator("url")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ValueError("must be redis://host[:port][/db] or rediss://...")
        if parts.password is not None or parts.username is not None:
            # The URL lands in logs and in the YAML: credentials go elsewhere.
            raise ValueError("must not carry credentials; use auth, username, password_env")
        return url

    @model_validator(mode="after")
    def _auth_is_complete(self) -> RedisSettings:
        if self.auth == "password" and (self.password_env is None) == (self.password_file is None):
            raise ValueError("auth password needs exactly one of password_env, password_file")
        if self.auth == "entra" and not self.entra.object_id:
            raise ValueError("auth entra needs entra.object_id (the Redis user)")
        return self


class LimitsSettings(BaseModel):
    """Where the policy's limits are counted: in this replica's memory, or in Redis,
    shared by every replica (see docs/policy.md, "Limits and fair shares")."""

    model_config = ConfigDict(extra="forbid")

    # memory: each replica counts its own traffic; redis: the fleet shares one count.
    store: Literal["memory", "redis"] = "memory"
    redis: RedisSettings = RedisSettings()
    # When Redis cannot be reached. closed: a 503 limits_unavailable per request;
    # local: each replica enforces the limits divided by `replicas`, in memory.
    on_store_unavailable: Literal["closed", "local"] = "closed"
    # The replicas sharing the quotas: the divisor of the local mode (the Helm chart
    # sets it from its replica count).
    replicas: int = Field(default=1, ge=1)
    # A concurrency lease lives this long unless renewed (every lease_s/3 while its
    # request runs): a replica that dies holding leases frees them within it.
    lease_s: float = Field(default=30.0, ge=1, le=3600)

    @model_validator(mode="after")
    def _redis_needs_a_url(self) -> LimitsSettings:
        if self.store == "redis" and self.redis.url is None:
            raise ValueError("limits.store redis needs limits.redis.url")
        return self


class GatewaySettings(BaseModel):
    """Everything the gateway itself reads: its sections of hybridgate.yaml. The
    command line's `Settings` (gateway.cli.settings) adds the edge and cloud sections
    and reads the file and env; the gateway types against this model only."""

    model_config = ConfigDict(extra="forbid")

    server: ServerSettings = ServerSettings()
    auth: AuthSettings = AuthSettings()
    backends: BackendsSettings = BackendsSettings()
    policy: PolicySettings = PolicySettings()
    classification: ClassificationSettings = ClassificationSettings()
    audit: AuditSettings = AuditSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    limits: LimitsSettings = LimitsSettings()
    # Extra CA bundle for outbound TLS (identity provider, backends), from the
    # conventional SSL_CERT_FILE variable, so a private CA needs no code change.
    ssl_cert_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("ssl_cert_file", "SSL_CERT_FILE")
    )

    @model_validator(mode="after")
    def _public_bind_needs_entra(self) -> GatewaySettings:
        # Dev tokens are minted by anyone with the local key file, so a dev-mode
        # gateway must not be reachable from other machines.
        if self.auth.mode != "entra":
            require_loopback(self.server.host, "server", reason="auth.mode is dev")
        return self


def read_secret(env_var: str | None, file: Path | None) -> str:
    """A secret named by the config: the value of an env var, or a file's content."""
    if env_var is not None:
        value = os.environ.get(env_var)
        if not value:
            raise ConfigError(f"the secret env var {env_var} is not set")
        return value
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read secret file {file}: {exc.strerror}") from exc
    raise ConfigError("no secret source configured")
