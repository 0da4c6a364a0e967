"""Every rendered Kubernetes object, for every value set, against the API's own schemas
(kubernetes-validate, strict: unknown fields fail) for a recent Kubernetes release."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.chart import KUBE_VERSION, VALUE_SETS

# Custom resources have no schema in kubernetes-validate: the RayService is checked
# against KubeRay's CRD in test_rayservice.py; the ServiceMonitor below.
CUSTOM_KINDS = {"RayService", "ServiceMonitor"}


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_object_is_valid_for_the_kubernetes_api(
    rendered: dict[str, list[dict[str, Any]]], name: str
) -> None:
    objects = [o for o in rendered[name] if o["kind"] not in CUSTOM_KINDS]
    assert len(objects) >= 8
    problems = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert problems == []


def test_the_validator_refuses_an_unknown_field(rendered: dict[str, list[dict[str, Any]]]) -> None:
    # The check above means something only if strict mode rejects what it does not know.
    statefulset = next(o for o in rendered["defaults"] if o["kind"] == "StatefulSet")
    broken = {**statefulset, "spec": {**statefulset["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBE_VERSION, strict=True)


def test_the_service_monitor_has_the_operators_shape(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    (monitor,) = [o for o in rendered["autoscaling"] if o["kind"] == "ServiceMonitor"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor["spec"]) == {"selector", "endpoints"}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert set(endpoint) <= {"port", "path", "interval", "oauth2"}
    assert endpoint["port"] == "http"
