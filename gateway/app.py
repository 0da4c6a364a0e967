"""create_app(settings): builds the backends and the pipeline, and mounts the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from gateway.api import completions, health, models
from gateway.backends.upstream import Upstream
from gateway.errors import install_error_handlers
from gateway.middleware.body_limit import BodyLimitMiddleware
from gateway.middleware.decision_headers import DecisionHeadersMiddleware
from gateway.pipeline import Pipeline
from gateway.routing import Route
from gateway.settings import Settings


def create_app(
    settings: Settings, transports: Mapping[Route, httpx.AsyncBaseTransport] | None = None
) -> FastAPI:
    """`transports` lets tests put an httpx transport under a backend's client."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        given = transports or {}
        backends: dict[Route, Upstream] = {
            "edge": Upstream("edge", settings.backends.edge, given.get("edge")),
            "cloud": Upstream("cloud", settings.backends.cloud, given.get("cloud")),
        }
        app.state.pipeline = Pipeline(backends)
        try:
            yield
        finally:
            for upstream in backends.values():
                await upstream.aclose()

    app = FastAPI(title="hybridgate", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.server.max_body_bytes)
    # Added last, so it is outermost: even a 413 from the body limit gets the headers.
    app.add_middleware(DecisionHeadersMiddleware)
    for router in (completions.router, models.router, health.router):
        app.include_router(router)
    return app
