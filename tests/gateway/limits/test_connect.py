"""Signing in to the store with a password that the settings name, never hold: from an
env var or a file (read at each new connection, so a rotated Secret is picked up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import LimitsUnavailable
from gateway.settings import ConfigError
from tests.gateway.limits.conftest import RedisServer
from tests.gateway.limits.helpers import Replicas, limits, who

POLICY = limits(default={"requests_per_minute": 10})


def protect(server: RedisServer) -> None:
    """A default user with a password, and an ACL user `gateway`."""
    admin = server.client()
    admin.acl_setuser(
        "gateway", enabled=True, passwords=["+acl-secret"], keys=["*"], commands=["+@all"]
    )
    admin.config_set("requirepass", "default-secret")


async def test_a_password_from_an_env_var_with_an_acl_user(
    replicas: Replicas, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    protect(redis_server)
    monkeypatch.setenv("TEST_REDIS_PASSWORD", "acl-secret")
    shares = replicas(
        redis={"auth": "password", "password_env": "TEST_REDIS_PASSWORD", "username": "gateway"}
    )
    await shares.admit(POLICY, who(), 1)
    users = redis_server.client(password="default-secret").client_list()
    assert any(c["user"] == "gateway" and c["name"] == "hybridgate" for c in users)


async def test_a_password_from_a_file_is_read_again_for_new_connections(
    replicas: Replicas, redis_server: RedisServer, tmp_path: Path
) -> None:
    protect(redis_server)
    secret = tmp_path / "redis-password"
    secret.write_text("default-secret\n")
    shares = replicas(upkeep=False, redis={"auth": "password", "password_file": str(secret)})
    await shares.admit(POLICY, who(), 1)
    # Rotated: the server and the file change; the next connection reads the file.
    admin = redis_server.client(password="default-secret")
    admin.config_set("requirepass", "rotated-secret")
    secret.write_text("rotated-secret\n")
    redis_server.client(password="rotated-secret").client_kill_filter(_type="normal")
    await shares.admit(POLICY, who(), 1)
    assert shares.store_state == "up"


async def test_a_wrong_password_is_a_store_that_cannot_be_used(
    replicas: Replicas, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    protect(redis_server)
    monkeypatch.setenv("TEST_REDIS_PASSWORD", "wrong")
    shares = replicas(redis={"auth": "password", "password_env": "TEST_REDIS_PASSWORD"})
    with pytest.raises(LimitsUnavailable):
        await shares.admit(POLICY, who(), 1)
    assert shares.store_state == "down"


async def test_a_missing_secret_fails_at_start_up(replicas: Replicas) -> None:
    with pytest.raises(ConfigError, match="TEST_REDIS_UNSET"):
        replicas(redis={"auth": "password", "password_env": "TEST_REDIS_UNSET"})
