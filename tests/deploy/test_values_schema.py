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
