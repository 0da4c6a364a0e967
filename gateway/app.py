"""create_app(settings): builds the authenticator, the backends and the pipeline, and
mounts the routers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from gateway.api import admin, completions, explain, health, models
from gateway.auth.authenticator import build_authenticator
from gateway.auth.outbound import build_outbound_credential
from gateway.backends.edge_load import EdgeLoad
from gateway.backends.upstream import Upstream
from gateway.classify.registry import Classifiers
from gateway.errors import install_error_handlers
from gateway.middleware.body_limit import BodyLimitMiddleware
from gateway.middleware.decision_headers import DecisionHeadersMiddleware
from gateway.pipeline import Pipeline
from gateway.policy.decision import Route
from gateway.policy.loader import PolicyStore
from gateway.policy.model import Policy
from gateway.settings import BackendSettings, Settings
from gateway.tls import client_ssl_context

IDENTITY_TIMEOUT_S = 10.0


def create_app(
    settings: Settings,
    transports: Mapping[Route, httpx.AsyncBaseTransport] | None = None,
    classifiers: Classifiers | None = None,
) -> FastAPI:
    """`transports` lets tests put an httpx transport under a backend's client;
    `classifiers` lets them share one loaded set (the spaCy model takes a second)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tls = client_ssl_context(settings.ssl_cert_file)
        identity_http = httpx.AsyncClient(verify=tls, timeout=IDENTITY_TIMEOUT_S)
        app.state.authenticator = build_authenticator(
            settings.auth, settings.server.state_dir, identity_http
        )
        given = transports or {}

        def upstream(name: Route, backend: BackendSettings) -> Upstream:
            credential = build_outbound_credential(
                backend.auth, name, str(settings.auth.entra.authority), settings.ssl_cert_file
            )
            return Upstream(
                name, backend, credential=credential, verify=tls, transport=given.get(name)
            )

        backends: dict[Route, Upstream] = {
            "edge": upstream("edge", settings.backends.edge),
            "cloud": upstream("cloud", settings.backends.cloud),
        }

        def build(policy: Policy) -> Classifiers:
            return classifiers or Classifiers(policy.classifiers)

        policies = PolicyStore(settings.policy.file, build)
        edge_load = EdgeLoad(backends["edge"], settings.backends.edge.load_poll_s)
        app.state.pipeline = Pipeline(backends, policies, edge_load)
        tasks = [
            asyncio.create_task(policies.watch(settings.policy.reload_interval_s)),
            asyncio.create_task(edge_load.run()),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            app.state.pipeline.close()
            for client in backends.values():
                await client.aclose()
            await identity_http.aclose()

    app = FastAPI(title="hybridgate", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.server.max_body_bytes)
    # Added last, so it is outermost: even a 413 from the body limit gets the headers.
    app.add_middleware(DecisionHeadersMiddleware)
    routers = (completions.router, explain.router, admin.router, models.router, health.router)
    for router in routers:
        app.include_router(router)
    return app
