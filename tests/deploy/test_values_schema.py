"""values.schema.json: a misspelt or ill-typed value fails at install time, with the
key named, instead of being silently ignored."""

from __future__ import annotations

from typing import Any

import helm_python as helm
import pytest

from tests.deploy.chart import VALUE_SETS, load

BAD_VALUES: dict[str, tuple[dict[str, Any], str]] = {
    "misspelt top-level key": ({"replica": 3}, "replica"),
    "misspelt nested key": (
        {"cloud": {"enabled": True, "tensorParalelism": 2}},
        "tensorParalelism",
    ),
    "misspelt deep key": ({"cloud": {"autoscaling": {"minReplica": 1}}}, "minReplica"),
    "unknown auth kind": ({"cloudAuth": {"kind": "password"}}, "kind"),
    "client id not a GUID": ({"workloadIdentity": {"clientId": "my-app"}}, "clientId"),
    "port out of range": ({"gateway": {"port": 70000}}, "port"),
    "replicas as a string": ({"replicas": "two"}, "replicas"),
    "zero GPUs per worker": ({"cloud": {"gpusPerWorker": 0}}, "gpusPerWorker"),
    "no audience": ({"auth": {"audiences": []}}, "audiences"),
    "endpoint not a URL": ({"otlp": {"tracesEndpoint": "collector:4318"}}, "tracesEndpoint"),
    "unknown resource field": (
        {"edge": {"resources": {"requests": {"cpu": "1"}, "limits": {}, "limit": {}}}},
        "limit",
    ),
    "bad image digest": ({"image": {"digest": "latest"}}, "digest"),
    "redis store without a URL": ({"limits": {"store": "redis"}}, r"/limits/redis/url"),
    "redis URL with a password": (
        {"limits": {"store": "redis", "redis": {"url": "redis://:hunter2@redis:6379"}}},
        r"/limits/redis/url",
    ),
    "redis URL of another scheme": (
        {"limits": {"redis": {"url": "http://redis:6379"}}},
        r"/limits/redis/url",
    ),
    "unknown limit store": ({"limits": {"store": "etcd"}}, "store"),
    "redis password without a Secret": (
        {"limits": {"store": "redis", "redis": {"url": "redis://redis", "auth": "password"}}},
        r"/limits/redis/existingSecret/name",
    ),
    "redis entra without an object id": (
        {"limits": {"store": "redis", "redis": {"url": "rediss://redis", "auth": "entra"}}},
        r"/limits/redis/entra/objectId",
    ),
    "unknown failure mode": ({"limits": {"onStoreUnavailable": "open"}}, "onStoreUnavailable"),
}


@pytest.mark.parametrize(("values", "key"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_values_are_refused(values: dict[str, Any], key: str) -> None:
    chart = load()
    # merge_values is what an install validates: the defaults with these on top.
    with pytest.raises(helm.HelmValuesError, match=key):
        chart.validate_schema(chart.merge_values(values))


@pytest.mark.parametrize("name", VALUE_SETS)
def test_the_value_sets_and_defaults_are_accepted(name: str) -> None:
    chart = load()
    chart.validate_schema(chart.merge_values(VALUE_SETS[name]))


def test_a_redis_url_is_not_required_with_the_memory_store() -> None:
    # The if/then binds the URL to store redis only: the default install has none.
    chart = load()
    chart.validate_schema(chart.merge_values({"limits": {"store": "memory"}}))
