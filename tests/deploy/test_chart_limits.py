"""helm/hybridgate's limit store values: the rendered `limits` section (the gateway's
settings accept it: test_chart.py), the Redis password as a mounted Secret, Entra auth
through workload identity, the divisor of the local mode, and the NetworkPolicy's
egress to Redis."""

from __future__ import annotations

from typing import Any

import helm_python as helm
import pytest
import yaml

from gateway.settings import LimitsSettings
from tests.deploy.chart import find, one, render
from tests.deploy.test_chart import config, containers, egress_ports, network_policy, pod_spec

Objects = dict[str, list[dict[str, Any]]]
REDIS = {"store": "redis", "redis": {"url": "redis://redis.cache.svc:6379/0"}}


def limits(objects: list[dict[str, Any]]) -> dict[str, Any]:
    section: dict[str, Any] = config(objects)["limits"]
    return section


def test_the_memory_store_leaves_the_gateways_defaults(rendered: Objects) -> None:
    # No limits section at all: a replica count in it would restart every pod on each
    # scale for a divisor the memory store never uses.
    assert "limits" not in config(rendered["defaults"])
    assert "limits" not in config(rendered["autoscaling"])


def test_a_redis_password_is_a_mounted_secret_never_in_the_configmap(rendered: Objects) -> None:
    objects = rendered["redis-password"]
    redis = limits(objects)["redis"]
    (volume,) = [v for v in pod_spec(objects)["volumes"] if v["name"] == "redis-password"]
    assert volume["secret"]["secretName"] == "redis-auth"
    assert volume["secret"]["items"] == [{"key": "primary", "path": "password"}]
    assert volume["secret"]["defaultMode"] == 0o400
    mount = next(
        m for m in containers(objects)["gateway"]["volumeMounts"] if m["name"] == "redis-password"
    )
    assert "subPath" not in mount  # a subPath mount never sees a rotated Secret
    assert mount["readOnly"] is True
    assert redis == {
        "url": "rediss://hg.redis.cache.windows.net:6380/0",
        "auth": "password",
        "password_file": f"{mount['mountPath']}/password",
    }
    # Neither the edge container nor any environment variable sees it.
    assert "redis-password" not in {m["name"] for m in containers(objects)["edge"]["volumeMounts"]}
    env = containers(objects)["gateway"]["env"]
    assert not [e for e in env if "secretKeyRef" in e.get("valueFrom", {})]
    assert not find(objects, "Secret")  # the chart never holds a secret itself
    assert limits(objects)["on_store_unavailable"] == "local"


def test_a_redis_username_is_passed_with_password_auth() -> None:
    values = {
        "limits": {
            "store": "redis",
            "redis": {
                "url": "redis://redis.cache.svc:6379/0",
                "auth": "password",
                "username": "hybridgate",
                "existingSecret": {"name": "redis-auth"},
            },
        }
    }
    assert limits(render(values))["redis"]["username"] == "hybridgate"


def test_entra_auth_signs_in_as_the_pods_workload_identity(rendered: Objects) -> None:
    objects = rendered["redis-entra"]
    redis = limits(objects)["redis"]
    assert redis == {
        "url": "rediss://hg.westeurope.redis.azure.net:10000",
        "auth": "entra",
        "entra": {
            "object_id": "44444444-4444-4444-4444-444444444444",
            "credential": "workload_identity",
        },
    }
    # The webhook's AZURE_* environment and token, which the credential reads.
    labels = one(objects, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert labels["azure.workload.identity/use"] == "true"
    annotations = one(objects, "ServiceAccount")["metadata"]["annotations"]
    assert "azure.workload.identity/client-id" in annotations
    assert "redis-password" not in {v["name"] for v in pod_spec(objects)["volumes"]}


def test_entra_auth_without_workload_identity_is_refused() -> None:
    values = {
        "workloadIdentity": {"enabled": False, "clientId": ""},
        "cloudAuth": {"kind": "none"},
        "limits": {
            "store": "redis",
            "redis": {
                "url": "rediss://hg.redis.cache.windows.net:6380/0",
                "auth": "entra",
                "entra": {"objectId": "44444444-4444-4444-4444-444444444444"},
            },
        },
    }
    with pytest.raises(helm.HelmRenderError, match=r"entra needs workloadIdentity\.enabled"):
        render(values)


@pytest.mark.parametrize(
    ("name", "replicas"),
    [("redis-password", 3), ("redis-entra", 6)],  # replicas; the HPA's maxReplicas
)
def test_the_local_divisor_is_the_most_pods_that_can_run(
    rendered: Objects, name: str, replicas: int
) -> None:
    # limit / max pods, so that however far the HPA scales, the pods counting locally
    # while Redis is down never allow more than the limit together.
    assert limits(rendered[name])["replicas"] == replicas
    hpa = find(rendered[name], "HorizontalPodAutoscaler")
    assert [h["spec"]["maxReplicas"] for h in hpa] in ([], [replicas])


def test_a_larger_divisor_is_kept_and_a_smaller_one_refused() -> None:
    # Several releases sharing one Redis: the operator gives the pods of all of them.
    assert limits(render({"replicas": 2, "limits": {**REDIS, "replicas": 8}}))["replicas"] == 8
    with pytest.raises(helm.HelmRenderError, match=r"limits\.replicas \(2\) must be at least"):
        render({"autoscaling": {"enabled": True}, "limits": {**REDIS, "replicas": 2}})


def test_the_rendered_limits_are_what_the_gateway_reads(rendered: Objects) -> None:
    for name in ["redis-password", "redis-entra"]:
        settings = LimitsSettings(**limits(rendered[name]))
        assert settings.store == "redis"
        assert settings.redis.url == limits(rendered[name])["redis"]["url"]


# DNS, Entra ID and the cloud leg (HTTPS, or the RayService's Serve port), OTLP.
OTHER_PORTS = {53, 443, 8000, 4318}


def redis_rules(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The egress rules that open none of the chart's other ports: Redis's."""
    spec = network_policy(objects)
    return [
        rule
        for rule, ports in zip(spec["egress"], egress_ports(spec), strict=True)
        if not {port for port, _ in ports} & OTHER_PORTS
    ]


@pytest.mark.parametrize("name", ["defaults", "autoscaling", "cloud", "otlp", "existing-secret"])
def test_no_redis_egress_without_the_redis_store(rendered: Objects, name: str) -> None:
    assert redis_rules(rendered[name]) == []


def test_redis_egress_goes_to_the_given_peers_on_the_urls_port(rendered: Objects) -> None:
    (rule,) = redis_rules(rendered["redis-password"])
    assert rule == {
        "ports": [{"port": 6380, "protocol": "TCP"}],
        "to": [{"ipBlock": {"cidr": "10.30.0.4/32"}}],
    }
    # No peers given: the Redis port only, to any destination (Azure Managed Redis: 10000).
    (rule,) = redis_rules(rendered["redis-entra"])
    assert rule == {"ports": [{"port": 10000, "protocol": "TCP"}]}


@pytest.mark.parametrize(
    ("url", "port", "expected"),
    [
        ("redis://redis.cache.svc", 0, 6379),
        ("rediss://hg.redis.cache.windows.net", 0, 6380),
        ("redis://redis.cache.svc:7000/1", 0, 7000),
        ("rediss://hg.redis.cache.windows.net:6380", 16379, 16379),
    ],
)
def test_the_redis_port_comes_from_the_url_or_the_scheme(
    url: str, port: int, expected: int
) -> None:
    values = {
        "limits": {"store": "redis", "redis": {"url": url}},
        "networkPolicy": {
            "redisPort": port,
            "redisTo": [{"namespaceSelector": {"matchLabels": {"name": "redis"}}}],
        },
    }
    (rule,) = redis_rules(render(values))
    assert rule["ports"] == [{"port": expected, "protocol": "TCP"}]
    assert rule["to"] == values["networkPolicy"]["redisTo"]  # type: ignore[index]


def test_the_configmap_holds_no_credentials(rendered: Objects) -> None:
    for name in ["redis-password", "redis-entra"]:
        (config_map,) = [
            c
            for c in find(rendered[name], "ConfigMap")
            if c["metadata"]["name"].endswith("-config")
        ]
        text = config_map["data"]["hybridgate.yaml"]
        redis = yaml.safe_load(text)["limits"]["redis"]
        assert not {"password", "password_env"} & set(redis)
        assert "@" not in redis["url"]
