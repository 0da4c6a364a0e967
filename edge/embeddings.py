"""POST /v1/embeddings on the edge: OpenAI's embeddings API over all-MiniLM-L6-v2, the
model the gateway's classifiers use, run in a worker thread off the event loop."""

from __future__ import annotations

import asyncio
import base64
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from common.embedding import DIMENSIONS, MAX_TOKENS, MODEL_ID, MiniLM
from common.errors import ContextLengthExceeded, InvalidRequest, ModelNotFound, UnsupportedParameter

# OpenAI's own limit on inputs per request.
MAX_INPUTS = 2048


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    # Token arrays are valid OpenAI input; they are refused by name below, not by a 422.
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1)
    user: str | None = None

    def check_supported(self) -> None:
        """Refuses, by name, any field the edge would otherwise silently ignore."""
        for name in self.model_extra or {}:
            raise UnsupportedParameter(f"{name}: not supported by the edge server", param=name)

    def texts(self) -> list[str]:
        items = [self.input] if isinstance(self.input, str) else list(self.input)
        if not items:
            raise InvalidRequest("'input' must not be empty", param="input")
        if len(items) > MAX_INPUTS:
            raise InvalidRequest(f"'input' holds at most {MAX_INPUTS} items", param="input")
        if not all(isinstance(item, str) for item in items):
            raise UnsupportedParameter(
                "token arrays are not supported as 'input' here; send text", param="input"
            )
        texts: list[str] = [item for item in items if isinstance(item, str)]
        if any(not text for text in texts):
            raise InvalidRequest("'input' must not contain empty strings", param="input")
        return texts


def get_embedder(request: Request) -> MiniLM:
    embedder: MiniLM = request.app.state.embedder
    return embedder


EmbedderDep = Annotated[MiniLM, Depends(get_embedder)]
router = APIRouter()


@router.post("/v1/embeddings")
async def embeddings(body: EmbeddingRequest, embedder: EmbedderDep) -> dict[str, Any]:
    if body.model != MODEL_ID:
        raise ModelNotFound(
            f"The model '{body.model}' does not exist; embeddings come from '{MODEL_ID}'",
            param="model",
        )
    body.check_supported()
    if body.dimensions is not None and body.dimensions != DIMENSIONS:
        raise UnsupportedParameter(
            f"'{MODEL_ID}' has {DIMENSIONS} dimensions and cannot shorten them",
            param="dimensions",
        )
    texts = body.texts()
    ids = await asyncio.to_thread(lambda: [embedder.tokens(t) for t in texts])
    for index, row in enumerate(ids):
        if (count := len(row)) > MAX_TOKENS:
            raise ContextLengthExceeded(
                f"input[{index}] has {count} tokens; '{MODEL_ID}' reads at most {MAX_TOKENS}",
                param="input",
            )
    embedded = await asyncio.to_thread(embedder.embed_tokens, ids)
    data = [
        {"object": "embedding", "index": i, "embedding": _encoded(vector, body.encoding_format)}
        for i, vector in enumerate(embedded.vectors)
    ]
    used = sum(embedded.tokens)
    return {
        "object": "list",
        "data": data,
        "model": MODEL_ID,
        "usage": {"prompt_tokens": used, "total_tokens": used},
    }


def _encoded(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        # What OpenAI sends and its SDK decodes: little-endian float32 bytes.
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]
