"""cloud/llm_config.yaml, the AKS Serve config, against Ray's own schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from ray.serve.schema import ServeDeploySchema

CONFIG = Path(__file__).resolve().parents[2] / "cloud" / "llm_config.yaml"


def llm_config_class() -> Any:
    # ray.serve.llm re-exports this class but also imports vLLM's protocol models on
    # import, and vLLM needs a GPU; the class itself is importable from where it lives.
    from ray.llm._internal.serve.core.configs.llm_config import LLMConfig

    return LLMConfig


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    return loaded


def llm_configs(document: dict[str, Any]) -> list[dict[str, Any]]:
    (app,) = document["applications"]
    configs: list[dict[str, Any]] = app["args"]["llm_configs"]
    return configs


def test_it_is_a_valid_serve_deploy_config(document: dict[str, Any]) -> None:
    schema = ServeDeploySchema.model_validate(document)
    (app,) = schema.applications
    assert app.import_path == "ray.serve.llm:build_openai_app"
    assert app.route_prefix == "/"


def test_the_schema_check_rejects_a_broken_config(document: dict[str, Any]) -> None:
    broken = dict(document, applications=[{"name": "x", "route_prefix": "/"}])
    with pytest.raises(ValidationError, match="import_path"):
        ServeDeploySchema.model_validate(broken)


def test_every_llm_config_is_accepted_by_ray_serve_llm(document: dict[str, Any]) -> None:
    cls = llm_config_class()
    for raw in llm_configs(document):
        config = cls(**raw)
        assert config.model_loading_config.model_id.startswith("cloud-")
        assert config.accelerator_type


def test_llm_config_rejects_unknown_arguments() -> None:
    # The check above means something only if LLMConfig refuses what it does not know.
    with pytest.raises(ValidationError):
        llm_config_class()(model_loading_config={"model_id": "m"}, tensor_parallel=4)


def test_parallelism_matches_the_placement_group(document: dict[str, Any]) -> None:
    for raw in llm_configs(document):
        engine = raw["engine_kwargs"]
        tensor, pipeline = engine["tensor_parallel_size"], engine["pipeline_parallel_size"]
        assert tensor > 1
        assert pipeline > 1
        bundles = raw["placement_group_config"]["bundles"]
        # One GPU worker per (tensor rank, pipeline stage).
        assert len(bundles) == tensor * pipeline
        assert all(bundle["GPU"] == 1 for bundle in bundles)
        assert raw["placement_group_config"]["strategy"] in {"PACK", "STRICT_PACK", "SPREAD"}


def test_autoscaling_is_configured(document: dict[str, Any]) -> None:
    for raw in llm_configs(document):
        autoscaling = raw["deployment_config"]["autoscaling_config"]
        assert 1 <= autoscaling["min_replicas"] <= autoscaling["max_replicas"]
        assert autoscaling["target_ongoing_requests"] > 0
