from __future__ import annotations

import pytest

from gateway.cli.settings import ConfigError, Settings, with_overrides
from gateway.policy.fields import ALL, CLOUD_FIELDS, forwarded


def test_fields_off_the_list_are_dropped_and_named() -> None:
    body = {"model": "auto", "messages": [], "user": "u", "x_vendor": 1, "temperature": 0.2}
    kept, dropped = forwarded(body, CLOUD_FIELDS)
    assert kept == {"model": "auto", "messages": [], "temperature": 0.2}
    assert dropped == ("user", "x_vendor")


def test_the_model_always_goes_the_backend_replaces_it() -> None:
    assert forwarded({"model": "auto", "prompt": "p"}, ["prompt"])[0] == {
        "model": "auto",
        "prompt": "p",
    }


def test_everything_goes_where_the_list_says_all() -> None:
    body = {"model": "m", "anything": {"x": 1}}
    assert forwarded(body, [ALL]) == (body, ())


def test_the_edge_takes_every_field_and_the_cloud_a_named_list() -> None:
    settings = Settings()
    assert settings.backends.edge.forward_fields == [ALL]
    assert settings.backends.cloud.forward_fields == list(CLOUD_FIELDS)
    assert "user" not in CLOUD_FIELDS
    assert "metadata" not in CLOUD_FIELDS


def test_the_cloud_list_may_not_be_a_wildcard() -> None:
    settings = Settings()
    cloud = settings.backends.cloud.model_dump() | {"forward_fields": ["model", ALL]}
    with pytest.raises(ConfigError, match="forward_fields"):
        with_overrides(settings, "backends", {"cloud": cloud})
