"""The Redis client of the shared limit store, built from `limits.redis`: short
timeouts, one quick retry, and the credentials the settings name (never the YAML's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.credentials import CredentialProvider

from gateway.auth.config import OutboundAuthSettings
from gateway.auth.outbound import build_app_token_source
from gateway.limits.entra import EntraCredentialProvider
from gateway.settings import RedisEntraSettings, RedisSettings, read_secret

CLIENT_NAME = "hybridgate"


class SecretCredentialProvider(CredentialProvider):
    """A password from an env var or a file, read at each new connection: a rotated
    Kubernetes Secret is picked up when connections are next opened."""

    def __init__(self, username: str | None, env_var: str | None, file: Path | None) -> None:
        self._username = username
        self._env_var = env_var
        self._file = file

    def get_credentials(self) -> tuple[str] | tuple[str, str]:
        password = read_secret(self._env_var, self._file)
        return (self._username, password) if self._username else (password,)

    async def get_credentials_async(self) -> tuple[str] | tuple[str, str]:
        return self.get_credentials()


def redis_client(
    settings: RedisSettings, credentials: CredentialProvider | None, ca_file: Path | None
) -> Redis:
    options: dict[str, Any] = {
        # Each call's time is bounded as a whole by `RedisStore` (one timer, where a
        # socket timeout arms one per read and per write); a connection a call gave up
        # on is closed, not reused.
        "socket_timeout": None,
        "socket_connect_timeout": settings.socket_timeout_s,
        # One retry at once, for a pooled connection the server closed (a restart, an
        # idle timeout).
        "retry": Retry(NoBackoff(), 1),
        "client_name": CLIENT_NAME,
        "credential_provider": credentials,
    }
    if settings.url is not None and settings.url.startswith("rediss://") and ca_file:
        options["ssl_ca_certs"] = str(ca_file)
    pool = ConnectionPool.from_url(str(settings.url), **options)
    # The client, unlike `Redis.from_url`, is given the provider itself: only then does
    # redis-py subscribe to a streaming provider's new tokens and sign the pooled
    # connections in again (Entra). Its owner closes the pool with it
    # (`aclose(close_connection_pool=True)`).
    return Redis(connection_pool=pool, credential_provider=credentials)


def credentials_for(
    settings: RedisSettings, default_authority: str, ca_file: Path | None
) -> tuple[CredentialProvider | None, list[Callable[[], Awaitable[None]]]]:
    """The provider the client signs in with, and the upkeep it needs (token renewal)."""
    if settings.auth == "password":
        provider = SecretCredentialProvider(
            settings.username, settings.password_env, settings.password_file
        )
        provider.get_credentials()  # a missing secret is a start-up error, not a 503
        return provider, []
    if settings.auth == "entra":
        entra = settings.entra
        acquire = build_app_token_source(_outbound(entra), default_authority, ca_file)
        token = EntraCredentialProvider(acquire, str(entra.object_id), entra.refresh_margin_s)
        return token, [token.run]
    return None, []


def _outbound(entra: RedisEntraSettings) -> OutboundAuthSettings:
    """The outbound machinery's settings for the cache's scope (managed identity asks
    for a resource: the scope without /.default)."""
    if entra.credential == "managed_identity":
        return OutboundAuthSettings(
            kind="managed_identity",
            managed_identity_client_id=entra.managed_identity_client_id,
            resource=entra.scope.removesuffix("/.default"),
        )
    return OutboundAuthSettings(kind="workload_identity", scopes=[entra.scope])
