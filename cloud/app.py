"""The cloud leg as a Ray Serve application: a FastAPI ingress serving the edge
server's OpenAI endpoints, with one engine per replica.

Each replica builds its own app, and so its own model and scheduler, when Serve
starts it (`__serve_build_asgi_app__`): nothing model-related is pickled or shared,
and the scheduler's single worker thread is the only one that touches the model.
Each replica batches its requests in `parallel` slots, as the edge does.
"""

from __future__ import annotations

from typing import Any

from ray import serve
from ray.serve import Application
from ray.serve.deployment import Deployment
from starlette.types import ASGIApp

from cloud.settings import CloudSettings
from edge.server import create_edge_app
from edge.settings import EngineSettings

APP_NAME = "hybridgate-cloud"
DEPLOYMENT_NAME = "CloudModel"


@serve.ingress()
class CloudModel:
    def __init__(self, engine: dict[str, Any]) -> None:
        # Plain JSON crosses the Ray boundary; it is validated again on the replica.
        self._engine = EngineSettings.model_validate(engine)

    def __serve_build_asgi_app__(self) -> ASGIApp:
        return create_edge_app(self._engine, owned_by="hybridgate-cloud")


def deployment_options(settings: CloudSettings) -> dict[str, Any]:
    """Replica count or autoscaling, resources and admission, from the config."""
    options: dict[str, Any] = {
        "name": DEPLOYMENT_NAME,
        "ray_actor_options": {"num_cpus": settings.replica_num_cpus},
        # The engine's own queue answers 429 when it is full; Serve must let that
        # many requests through to the replica for the 429 to be the one clients see.
        "max_ongoing_requests": settings.parallel + settings.queue_size,
        "health_check_period_s": 5,
    }
    if settings.autoscaling is not None:
        options["autoscaling_config"] = settings.autoscaling.model_dump()
    else:
        options["num_replicas"] = settings.num_replicas
    return options


def build_application(settings: CloudSettings) -> Application:
    deployment: Deployment = serve.deployment(**deployment_options(settings))(CloudModel)
    return deployment.bind(settings.engine().model_dump(mode="json"))
