"""The edge server app: loads the model at start-up and serves OpenAI endpoints over it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from common.drain import Drain, DrainMiddleware
from common.embedding import MODEL_ID as EMBEDDING_MODEL_ID
from common.embedding import MiniLM
from common.errors import install_error_handlers
from edge.completions import router as completions_router
from edge.embeddings import router as embeddings_router
from edge.engine import Engine
from edge.grammars import GrammarCache
from edge.models import resolve_model_path
from edge.scheduler import Scheduler
from edge.settings import EngineSettings

EngineFactory = Callable[[EngineSettings], Engine]


def load_llama_engine(settings: EngineSettings) -> Engine:
    # Imported here so that tools which never decode (tests of the gateway, the CLI's
    # help) do not load the llama.cpp shared library.
    from edge.llama_engine import LlamaEngine

    path = resolve_model_path(settings.model_path)
    return LlamaEngine(
        path,
        settings.model_id,
        n_slots=settings.parallel,
        n_ctx_slot=settings.n_ctx,
        n_threads=settings.threads(),
        prefill_chunk=settings.prefill_chunk,
    )


def create_edge_app(
    settings: EngineSettings,
    engine_factory: EngineFactory = load_llama_engine,
    owned_by: str = "hybridgate-edge",
    drain: Drain | None = None,
    embedder_factory: Callable[[], MiniLM] = MiniLM,
) -> FastAPI:
    """`drain` is the one the server runner starts on SIGTERM; without it the app has
    its own, which nothing starts."""
    drain = drain or Drain()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = engine_factory(settings)
        scheduler = Scheduler(engine, settings.queue_size)
        scheduler.start()
        app.state.scheduler = scheduler
        # The sentence encoder of /v1/embeddings (quantized as it loads: 2.5-4 s).
        app.state.embedder = embedder_factory()
        app.state.model_id = engine.model_id
        app.state.default_max_tokens = settings.default_max_tokens
        try:
            yield
        finally:
            scheduler.stop()
            engine.close()

    app = FastAPI(title="hybridgate edge", lifespan=lifespan)
    app.state.drain = drain
    app.state.grammar_cache = GrammarCache()
    install_error_handlers(app)
    app.add_middleware(DrainMiddleware, drain=drain)
    app.include_router(completions_router)
    app.include_router(embeddings_router)

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {"id": request.app.state.model_id, "object": "model", "owned_by": owned_by},
                {"id": EMBEDDING_MODEL_ID, "object": "model", "owned_by": owned_by},
            ],
        }

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        if request.app.state.drain.draining:
            return JSONResponse({"status": "not ready", "draining": True}, status_code=503)
        scheduler: Scheduler | None = getattr(request.app.state, "scheduler", None)
        if scheduler is None or not scheduler.running:
            return JSONResponse({"status": "not ready"}, status_code=503)
        load = scheduler.load
        return JSONResponse(
            {
                "status": "ready",
                "model": request.app.state.model_id,
                "in_flight": load.in_flight,
                "slots_busy": load.slots_busy,
                "slots_total": load.slots_total,
                "queue_depth": load.queue_depth,
                "jobs": asdict(scheduler.stats),
            }
        )

    return app
