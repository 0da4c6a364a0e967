"""The cloud leg's RayService against KubeRay's CRD schema (ray.io/v1, from
../shared/schemas/, made strict as its README says), and its serveConfigV2 against
Ray Serve's ServeDeploySchema and the structure of cloud/llm_config.yaml."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
import yaml
from ray.serve.schema import ServeDeploySchema

from tests.deploy.chart import NAMESPACE, ROOT, one, render

# Shared with other projects; read in place, never copied into this repository.
CRD_SCHEMA = ROOT.parent / "shared" / "schemas" / "rayservice.ray.io-v1.json"
LLM_CONFIG = ROOT / "cloud" / "llm_config.yaml"


def strict(schema: Any) -> Any:
    """The CRD leaves additionalProperties unset almost everywhere, so a misspelt key
    would pass; close every object that lists its properties and does not say
    otherwise itself."""
    if isinstance(schema, dict):
        schema = {key: strict(value) for key, value in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    if not CRD_SCHEMA.is_file():
        pytest.fail(f"{CRD_SCHEMA} is missing: the checkout's parent needs shared/schemas/")
    schema = strict(json.loads(CRD_SCHEMA.read_text()))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def rayservice(rendered: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return one(rendered["cloud"], "RayService")


def errors(validator: jsonschema.Draft7Validator, obj: dict[str, Any]) -> list[str]:
    # The CRD schema describes the object's spec and status, under "properties".
    body = {k: v for k, v in obj.items() if k not in {"apiVersion", "kind", "metadata"}}
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]


def test_the_rayservice_matches_kuberays_crd(
    validator: jsonschema.Draft7Validator, rayservice: dict[str, Any]
) -> None:
    assert rayservice["apiVersion"] == "ray.io/v1"
    assert errors(validator, rayservice) == []


def test_the_strict_crd_schema_catches_a_misspelt_key(
    validator: jsonschema.Draft7Validator, rayservice: dict[str, Any]
) -> None:
    broken = copy.deepcopy(rayservice)
    broken["spec"]["rayClusterConfig"]["enableInTreeAutoscalling"] = True
    assert any("enableInTreeAutoscalling" in e for e in errors(validator, broken))


def test_head_has_no_gpus_and_workers_request_and_limit_them(rayservice: dict[str, Any]) -> None:
    cluster = rayservice["spec"]["rayClusterConfig"]
    assert cluster["enableInTreeAutoscaling"] is True
    assert cluster["headGroupSpec"]["rayStartParams"]["num-gpus"] == "0"
    for container in cluster["headGroupSpec"]["template"]["spec"]["containers"]:
        assert "nvidia.com/gpu" not in json.dumps(container.get("resources", {}))
    (workers,) = cluster["workerGroupSpecs"]
    (container,) = workers["template"]["spec"]["containers"]
    assert container["resources"]["requests"]["nvidia.com/gpu"] == 4
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 4
    assert workers["rayStartParams"]["num-gpus"] == "4"
    assert workers["template"]["spec"]["nodeSelector"] == {"agentpool": "gpu"}
    assert workers["template"]["spec"]["tolerations"][0]["key"] == "nvidia.com/gpu"
    # A replica is tensor 4 x pipeline 2 = 8 GPUs = 2 workers; Serve scales 1..4.
    assert (workers["minReplicas"], workers["maxReplicas"]) == (2, 8)


def serve_config(rayservice: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(rayservice["spec"]["serveConfigV2"])
    return loaded


def test_serve_config_is_valid_for_ray_serve(rayservice: dict[str, Any]) -> None:
    schema = ServeDeploySchema.model_validate(serve_config(rayservice))
    (app,) = schema.applications
    assert app.import_path == "ray.serve.llm:build_openai_app"


def key_paths(node: Any, prefix: str = "") -> set[str]:
    """Every key path in a document; list items share one path (their union)."""
    if isinstance(node, dict):
        paths = set()
        for key, value in node.items():
            paths |= {f"{prefix}.{key}"} | key_paths(value, f"{prefix}.{key}")
        return paths
    if isinstance(node, list):
        return set().union(*(key_paths(item, f"{prefix}[]") for item in node))
    return set()


def test_serve_config_has_exactly_the_keys_of_cloud_llm_config(rayservice: dict[str, Any]) -> None:
    # ServeDeploySchema tolerates unknown keys in args; the repository's own Serve
    # config is the reference for what each level may hold.
    reference = yaml.safe_load(LLM_CONFIG.read_text())
    assert key_paths(serve_config(rayservice)) == key_paths(reference)


def test_each_llm_config_is_accepted_by_ray_serve_llm(rayservice: dict[str, Any]) -> None:
    from ray.llm._internal.serve.core.configs.llm_config import LLMConfig

    (app,) = serve_config(rayservice)["applications"]
    for raw in app["args"]["llm_configs"]:
        config = LLMConfig(**raw)
        engine = raw["engine_kwargs"]
        bundles = raw["placement_group_config"]["bundles"]
        assert len(bundles) == engine["tensor_parallel_size"] * engine["pipeline_parallel_size"]
        assert config.model_loading_config.model_id == "cloud-qwen2.5-72b-instruct"


def test_values_shape_the_serve_config() -> None:
    values = {
        "cloud": {
            "enabled": True,
            "model": {"id": "cloud-llama", "source": "/models/llama"},
            "tensorParallelism": 2,
            "pipelineParallelism": 1,
            "gpusPerWorker": 2,
            "autoscaling": {"minReplicas": 2, "maxReplicas": 3},
        }
    }
    rayservice = one(render(values), "RayService")
    (app,) = serve_config(rayservice)["applications"]
    (llm,) = app["args"]["llm_configs"]
    assert llm["model_loading_config"] == {
        "model_id": "cloud-llama",
        "model_source": "/models/llama",
    }
    assert len(llm["placement_group_config"]["bundles"]) == 2
    autoscaling = llm["deployment_config"]["autoscaling_config"]
    assert (autoscaling["min_replicas"], autoscaling["max_replicas"]) == (2, 3)
    (workers,) = rayservice["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    assert (workers["minReplicas"], workers["maxReplicas"]) == (2, 3)


def test_the_gateway_points_at_the_serve_service(
    rendered: dict[str, list[dict[str, Any]]], rayservice: dict[str, Any]
) -> None:
    (config_map,) = [
        c
        for c in rendered["cloud"]
        if c["kind"] == "ConfigMap" and c["metadata"]["name"].endswith("-config")
    ]
    backend = yaml.safe_load(config_map["data"]["hybridgate.yaml"])["backends"]["cloud"]
    name = rayservice["metadata"]["name"]
    # KubeRay names a RayService's Serve service <name>-serve-svc; Serve listens on 8000.
    assert backend["url"] == f"http://{name}-serve-svc.{NAMESPACE}.svc:8000"
    assert backend["model"] == "cloud-qwen2.5-72b-instruct"


def test_no_rayservice_without_cloud_enabled(rendered: dict[str, list[dict[str, Any]]]) -> None:
    assert not [o for o in rendered["defaults"] if o["kind"] == "RayService"]


def test_parallelism_that_does_not_fill_whole_workers_is_refused() -> None:
    import helm_python as helm

    values = {"cloud": {"enabled": True, "tensorParallelism": 3, "pipelineParallelism": 1}}
    with pytest.raises(helm.HelmRenderError, match="multiple of gpusPerWorker"):
        render(values)
