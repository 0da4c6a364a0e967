"""The cloud leg's settings share the edge's engine model; only some defaults differ."""

from __future__ import annotations

from cloud.settings import CloudSettings
from edge.settings import EdgeSettings, EngineSettings


def test_cloud_and_edge_share_the_engine_fields() -> None:
    engine = set(EngineSettings.model_fields)
    assert engine <= set(EdgeSettings.model_fields)
    assert engine <= set(CloudSettings.model_fields)


def test_cloud_overrides_only_its_own_defaults() -> None:
    edge, cloud = EdgeSettings(), CloudSettings()
    assert (cloud.model_id, cloud.n_threads) == ("cloud-smollm2-135m", 1)
    assert (edge.model_id, edge.n_threads) == ("smollm2-135m-instruct", None)
    same = set(EngineSettings.model_fields) - {"model_id", "n_threads"}
    assert {f: getattr(cloud, f) for f in same} == {f: getattr(edge, f) for f in same}


def test_engine_keeps_the_engine_fields_only() -> None:
    cloud = CloudSettings(parallel=4, n_ctx=1024, num_replicas=3)
    engine = cloud.engine()
    assert type(engine) is EngineSettings
    assert engine.model_dump() == {f: getattr(cloud, f) for f in EngineSettings.model_fields}
    assert (engine.parallel, engine.n_ctx, engine.model_id) == (4, 1024, "cloud-smollm2-135m")
