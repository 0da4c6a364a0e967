"""helm/hybridgate: lint (strict) and what each value set renders: the pod's two
containers and their hardening, the audit volume per pod, workload identity, the
network policy, and a config the gateway's own settings accept."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import helm_python as helm
import pytest
import yaml

from gateway.cli.settings import Settings
from gateway.telemetry.metrics import Metrics
from tests.deploy.chart import ROOT, VALUE_SETS, find, lint, one, render

Objects = dict[str, list[dict[str, Any]]]


@pytest.mark.parametrize("name", VALUE_SETS)
def test_lint_is_clean_in_strict_mode(name: str) -> None:
    report = lint(VALUE_SETS[name])
    assert report["errors"] == []
    # Severity 2 is a warning, 3 an error; strict mode fails on both. Infos may stay.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def pod_spec(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "StatefulSet")["spec"]["template"]["spec"]
    return spec


def containers(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in pod_spec(objects)["containers"]}


def config(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (config_map,) = [
        c for c in find(objects, "ConfigMap") if c["metadata"]["name"].endswith("-config")
    ]
    loaded: dict[str, Any] = yaml.safe_load(config_map["data"]["hybridgate.yaml"])
    return loaded


def test_gateway_and_edge_share_a_pod_and_the_edge_has_no_port(rendered: Objects) -> None:
    pod = containers(rendered["defaults"])
    assert set(pod) == {"gateway", "edge"}
    assert pod["gateway"]["args"] == ["serve"]
    assert pod["edge"]["args"] == ["edge", "serve"]
    assert "ports" not in pod["edge"]
    assert [p["containerPort"] for p in pod["gateway"]["ports"]] == [8080]


def test_probes(rendered: Objects) -> None:
    pod = containers(rendered["defaults"])
    gateway = pod["gateway"]
    assert gateway["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    # The edge binds loopback: the kubelet could not reach it with httpGet.
    edge_probe = ["python3", "-m", "gateway.healthcheck", "--edge"]
    assert pod["edge"]["startupProbe"]["exec"]["command"] == edge_probe
    assert pod["edge"]["livenessProbe"]["exec"]["command"] == edge_probe


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_container_is_hardened_and_sized(rendered: Objects, name: str) -> None:
    spec = pod_spec(rendered[name])
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    for container in spec["containers"]:
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        assert {"requests", "limits"} <= set(container["resources"])
        assert "/tmp" in {m["mountPath"] for m in container["volumeMounts"]}


def test_each_pod_keeps_its_audit_log_on_its_own_volume(rendered: Objects) -> None:
    statefulset = one(rendered["defaults"], "StatefulSet")
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "state"
    mounts = {
        m["name"]: m["mountPath"]
        for m in containers(rendered["defaults"])["gateway"]["volumeMounts"]
    }
    assert mounts["state"] == config(rendered["defaults"])["server"]["state_dir"]
    assert statefulset["spec"]["replicas"] == 2


def test_the_policy_configmap_is_mounted_as_a_directory_for_live_reload(rendered: Objects) -> None:
    objects = rendered["defaults"]
    (policy,) = [c for c in find(objects, "ConfigMap") if c["metadata"]["name"].endswith("-policy")]
    # The chart's policy is the repository's default policy, not a copy that can drift.
    assert policy["data"]["default.yaml"] == (ROOT / "policies" / "default.yaml").read_text()
    mount = next(m for m in containers(objects)["gateway"]["volumeMounts"] if m["name"] == "policy")
    assert "subPath" not in mount  # a subPath mount never sees ConfigMap updates
    assert config(objects)["policy"]["file"] == f"{mount['mountPath']}/default.yaml"


def test_an_existing_policy_configmap_replaces_the_charts(rendered: Objects) -> None:
    objects = rendered["existing-secret"]
    assert not [c for c in find(objects, "ConfigMap") if c["metadata"]["name"].endswith("-policy")]
    volume = next(v for v in pod_spec(objects)["volumes"] if v["name"] == "policy")
    assert volume["configMap"]["name"] == "my-policy"


@pytest.mark.parametrize("name", VALUE_SETS)
def test_the_rendered_config_is_accepted_by_the_gateway(
    rendered: Objects, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("HYBRIDGATE_")]:
        monkeypatch.delenv(key)
    settings = Settings(**config(rendered[name]))
    # On a cluster the gateway serves other pods, which entra mode alone allows.
    assert settings.auth.mode == "entra"
    assert settings.server.host == "0.0.0.0"
    assert settings.edge.host == "127.0.0.1"
    assert settings.cloud.local is False


def test_pods_drain_within_their_grace_period(rendered: Objects) -> None:
    objects = rendered["defaults"]
    settings = Settings(**config(objects))
    pod = pod_spec(objects)
    for container in pod["containers"]:
        sleep = container["lifecycle"]["preStop"]["exec"]["command"]
        assert sleep == ["python3", "-c", "import time; time.sleep(5)"]
    drains = (settings.server.drain_timeout_s, settings.edge.drain_timeout_s)
    assert drains == (25, 25)
    assert pod["terminationGracePeriodSeconds"] > 5 + max(drains)


def test_a_grace_period_shorter_than_the_drain_is_refused() -> None:
    values = {"shutdown": {"terminationGracePeriodSeconds": 30}}
    with pytest.raises(helm.HelmRenderError, match=r"terminationGracePeriodSeconds must"):
        render(values)


def test_workload_identity_service_account_and_pod_label(rendered: Objects) -> None:
    objects = rendered["defaults"]
    account = one(objects, "ServiceAccount")
    annotations = account["metadata"]["annotations"]
    assert (
        annotations["azure.workload.identity/client-id"] == "00000000-0000-0000-0000-000000000000"
    )
    assert "azure.workload.identity/tenant-id" not in annotations  # optional, unset
    statefulset = one(objects, "StatefulSet")
    assert (
        statefulset["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"]
        == "true"
    )
    assert pod_spec(objects)["serviceAccountName"] == account["metadata"]["name"]
    assert config(objects)["backends"]["cloud"]["auth"]["kind"] == "workload_identity"


def test_client_credentials_read_the_secret_from_an_existing_secret(rendered: Objects) -> None:
    objects = rendered["existing-secret"]
    (volume,) = [v for v in pod_spec(objects)["volumes"] if v["name"] == "cloud-client-secret"]
    assert volume["secret"]["secretName"] == "cloud-client"
    (item,) = volume["secret"]["items"]
    mount = next(
        m for m in containers(objects)["gateway"]["volumeMounts"] if m["name"] == volume["name"]
    )
    auth = config(objects)["backends"]["cloud"]["auth"]
    # A file, not an environment variable, which any process dump would show.
    assert auth["client_secret_file"] == f"{mount['mountPath']}/{item['path']}"
    labels = one(objects, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert "azure.workload.identity/use" not in labels
    assert not find(objects, "Secret")  # the chart never holds a secret itself


def test_otlp_settings_reach_the_gateway(rendered: Objects) -> None:
    objects = rendered["otlp"]
    loaded = config(objects)
    assert loaded["telemetry"]["tracing"]["endpoint"].endswith("/v1/traces")
    assert loaded["audit"]["otel_logs"]["endpoint"].endswith("/v1/logs")
    env = {e["name"] for e in containers(objects)["gateway"]["env"]}
    assert {"HYBRIDGATE_TELEMETRY__TRACING__HEADERS", "HYBRIDGATE_AUDIT__OTEL_LOGS__HEADERS"} <= env
    assert "telemetry" not in config(rendered["defaults"])


def test_autoscaling_owns_the_replica_count(rendered: Objects) -> None:
    objects = rendered["autoscaling"]
    hpa = one(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "StatefulSet"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert "replicas" not in one(objects, "StatefulSet")["spec"]
    assert not find(rendered["defaults"], "HorizontalPodAutoscaler")
    assert one(rendered["defaults"], "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_the_service_monitor_is_opt_in_and_scrapes_only_the_api_service(rendered: Objects) -> None:
    assert not find(rendered["defaults"], "ServiceMonitor")
    objects = rendered["autoscaling"]
    monitor = one(objects, "ServiceMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    matching = [
        s for s in find(objects, "Service") if selector.items() <= s["metadata"]["labels"].items()
    ]
    assert [s["spec"].get("clusterIP") for s in matching] == [None]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def network_policy(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "NetworkPolicy")["spec"]
    return spec


def egress_ports(spec: dict[str, Any]) -> list[set[tuple[Any, str]]]:
    return [{(p["port"], p["protocol"]) for p in rule["ports"]} for rule in spec["egress"]]


def test_network_policy_lets_in_the_gateway_port_only(rendered: Objects) -> None:
    spec = network_policy(rendered["defaults"])
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    (ingress,) = spec["ingress"]
    assert ingress["ports"] == [{"port": "http", "protocol": "TCP"}]


@pytest.mark.parametrize(
    ("name", "cloud_rule"),
    [
        ("defaults", None),
        ("cloud", {(8000, "TCP")}),
        ("existing-secret", {(443, "TCP")}),
        ("otlp", None),
    ],
)
def test_network_policy_egress_is_dns_entra_and_the_cloud_leg(
    rendered: Objects, name: str, cloud_rule: set[tuple[Any, str]] | None
) -> None:
    ports = egress_ports(network_policy(rendered[name]))
    assert ports[0] == {(53, "UDP"), (53, "TCP")}
    assert ports[1] == {(443, "TCP")}
    rest = ports[2:]
    expected = [cloud_rule] if cloud_rule else []
    if name == "otlp":
        expected.append({(4318, "TCP")})
    assert rest == expected


def test_the_cloud_egress_rule_selects_the_ray_pods(rendered: Objects) -> None:
    objects = rendered["cloud"]
    selector = network_policy(objects)["egress"][2]["to"][0]["podSelector"]["matchLabels"]
    ray = one(objects, "RayService")["spec"]["rayClusterConfig"]
    for template in [ray["headGroupSpec"]["template"], ray["workerGroupSpecs"][0]["template"]]:
        assert selector.items() <= template["metadata"]["labels"].items()


def exposed_names(family: str, kind: str) -> list[str]:
    """The series names Prometheus sees for a metric family, samples or not yet."""
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}
    return [family + suffix for suffix in suffixes.get(kind, [""])]


def test_the_dashboard_uses_only_metrics_the_gateway_exports(rendered: Objects) -> None:
    (board,) = [
        c
        for c in find(rendered["defaults"], "ConfigMap")
        if c["metadata"]["name"].endswith("-dashboard")
    ]
    dashboard = json.loads(board["data"]["hybridgate.json"])
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    used = set(re.findall(r"hybridgate_[a-z_]+", exprs))
    exported = {
        name
        for family in Metrics().registry.collect()
        for name in exposed_names(family.name, family.type)
    }
    assert used <= exported, used - exported
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in [
        "tokens per second",
        "p95",
        "p99",
        "output / input",
        "kv-cache",
        "route shares",
        "fallbacks",
    ]:
        assert topic in titles


def test_workload_identity_auth_without_the_webhook_is_refused() -> None:
    values = {"workloadIdentity": {"enabled": False, "clientId": ""}}
    with pytest.raises(helm.HelmRenderError, match=r"needs workloadIdentity\.enabled"):
        render(values)
