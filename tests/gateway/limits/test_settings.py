"""`limits:` in hybridgate.yaml: memory by default, and a Redis store that is refused at
start-up when it could not work or would put a secret in the config."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gateway.settings import LimitsSettings


def test_the_default_is_memory_with_nothing_to_install() -> None:
    settings = LimitsSettings()
    assert (settings.store, settings.on_store_unavailable, settings.replicas) == (
        "memory",
        "closed",
        1,
    )
    assert settings.redis.socket_timeout_s == 0.25
    assert settings.redis.key_prefix == "hybridgate:limits:"
    assert settings.redis.entra.scope == "https://redis.azure.com/.default"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"store": "redis"}, "needs limits.redis.url"),
        ({"redis": {"url": "http://cache:6379"}}, "redis://"),
        ({"redis": {"url": "redis://:hunter2@cache:6379"}}, "must not carry credentials"),
        ({"redis": {"url": "redis://gw:hunter2@cache:6379"}}, "must not carry credentials"),
        ({"redis": {"url": "redis://c", "auth": "password"}}, "exactly one of"),
        (
            {"redis": {"url": "redis://c", "auth": "password", "password_env": "A",
                       "password_file": "/b"}},
            "exactly one of",
        ),
        ({"redis": {"url": "redis://c", "auth": "entra"}}, "entra.object_id"),
        ({"redis": {"url": "redis://c", "password": "hunter2"}}, "Extra inputs"),
        ({"redis": {"key_prefix": "a{b}:"}}, "pattern"),
        ({"replicas": 0}, "greater than or equal to 1"),
    ],
)  # fmt: skip
def test_unusable_or_unsafe_settings_are_refused(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        LimitsSettings.model_validate(data)


def test_a_complete_redis_store_is_accepted() -> None:
    settings = LimitsSettings.model_validate(
        {
            "store": "redis",
            "redis": {
                "url": "rediss://hybridgate.westeurope.redis.azure.net:10000/0",
                "auth": "entra",
                "entra": {"object_id": "6c3f2a47-0b1d-4a8e-9f3b-5d2c1e0a9b77"},
            },
            "on_store_unavailable": "local",
            "replicas": 3,
        }
    )
    assert settings.redis.entra.credential == "workload_identity"
