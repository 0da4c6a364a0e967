"""Renders and lints helm/hybridgate offline with Helm's own Go library (helm-python-sdk)
and hands the manifests to the checks as parsed objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "hybridgate"
RELEASE, NAMESPACE = "hg", "ai"
KUBE_VERSION = "1.33.0"

# The value sets every check runs over: the defaults plus the features that change
# what is rendered.
VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "cloud": {"cloud": {"enabled": True, "modelVolume": {"claimName": "models"}}},
    "autoscaling": {
        "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5},
        "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}},
    },
    "otlp": {
        "otlp": {
            "tracesEndpoint": "http://otel-collector.monitoring:4318/v1/traces",
            "logsEndpoint": "http://otel-collector.monitoring:4318/v1/logs",
            "headersSecret": {"name": "otlp-headers", "key": "headers"},
        },
        "networkPolicy": {
            "otlpTo": [{"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}]
        },
    },
    "existing-secret": {
        "cloudAuth": {
            "kind": "client_credentials",
            "tenantId": "11111111-1111-1111-1111-111111111111",
            "clientId": "33333333-3333-3333-3333-333333333333",
            "existingSecret": {"name": "cloud-client", "key": "client-secret"},
        },
        "workloadIdentity": {"enabled": False, "clientId": ""},
        "cloud": {"url": "https://cloud.example.com"},
        "networkPolicy": {"cloudCIDRs": ["10.20.0.0/16"]},
        "policy": {"existingConfigMap": "my-policy"},
    },
    # The shared limit store on Azure Cache for Redis, its password from a Secret.
    "redis-password": {
        "replicas": 3,
        "limits": {
            "store": "redis",
            "redis": {
                "url": "rediss://hg.redis.cache.windows.net:6380/0",
                "auth": "password",
                "existingSecret": {"name": "redis-auth", "key": "primary"},
            },
            "onStoreUnavailable": "local",
        },
        "networkPolicy": {"redisTo": [{"ipBlock": {"cidr": "10.30.0.4/32"}}]},
    },
    # Azure Managed Redis with Entra auth as the pods' workload identity, under an HPA.
    "redis-entra": {
        "autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 6},
        "limits": {
            "store": "redis",
            "redis": {
                "url": "rediss://hg.westeurope.redis.azure.net:10000",
                "auth": "entra",
                "entra": {"objectId": "44444444-4444-4444-4444-444444444444"},
            },
        },
    },
}


def load() -> helm.Chart:
    return helm.Chart.load(CHART)


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object the chart renders with `values`, NOTES.txt left out."""
    manifests = load().render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects: list[dict[str, Any]] = []
    for path, text in sorted(manifests.items()):
        if path.endswith(".txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def find(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = find(objects, kind)
    return found


def lint(values: dict[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = helm.lint(
        CHART, values, strict=True, namespace=NAMESPACE, kube_version=f"v{KUBE_VERSION}"
    )
    return report
