"""create_app(settings): builds the authenticator, the backends and the pipeline, and
mounts the routers."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter

from common.drain import Drain
from common.embedding import MiniLM
from gateway.api import admin, explain, health, metrics, models, routes
from gateway.api.direct import FastPath
from gateway.api.routes import direct_routes
from gateway.audit.log import AuditLog, principal_view
from gateway.audit.otel_compat import LogRecordExporter
from gateway.audit.sink import OtelLogSink
from gateway.audit.writer import AuditWriter
from gateway.auth.authenticator import build_authenticator
from gateway.auth.outbound import build_outbound_credential
from gateway.backends.edge_load import EdgeLoad
from gateway.backends.upstream import Upstream
from gateway.classify.registry import Classifiers
from gateway.errors import install_error_handlers
from gateway.limits import build_shares
from gateway.middleware.front import FrontMiddleware
from gateway.middleware.record import Recording
from gateway.pipeline import Pipeline
from gateway.policy.decision import Route
from gateway.policy.loader import PolicyStore
from gateway.policy.model import Policy
from gateway.settings import BackendSettings, GatewaySettings
from gateway.telemetry.metrics import Metrics
from gateway.telemetry.tracing import Tracing
from gateway.tls import client_ssl_context

IDENTITY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Exporters:
    """Stand-ins for the OTLP exporters (tests read spans and log records from memory)."""

    spans: SpanExporter | None = None
    logs: LogRecordExporter | None = None


async def _start_recording(
    settings: GatewaySettings,
    pipeline: Pipeline,
    edge_load: EdgeLoad,
    tracing: Tracing,
    exporters: Exporters,
) -> Recording:
    audit = settings.audit
    writer = None
    sink = None
    if audit.enabled:
        writer = AuditWriter(
            audit.resolved_path(settings.server.state_dir),
            fsync=audit.fsync,
            fsync_interval_s=audit.fsync_interval_ms / 1000,
            max_file_bytes=audit.max_file_bytes,
            queue_size=audit.queue_size,
        )
        await writer.start()
        if audit.otel_logs.endpoint is not None or exporters.logs is not None:
            service = settings.telemetry.tracing.service_name
            sink = OtelLogSink(audit.otel_logs, service, exporters.logs)
    log = AuditLog(
        writer,
        principal_view(audit, settings.server.state_dir),
        fail_closed=audit.on_failure == "fail_closed",
        sink=sink,
        replica=settings.server.resolved_replica_id(),
    )
    metrics = Metrics()
    metrics.watch(lambda: edge_load.slots, pipeline.breaker_states)
    metrics.watch_refusals(pipeline.limiter.refusals)
    limiter = pipeline.limiter
    if limiter.store_state != "memory":
        metrics.watch_limits_store(lambda: limiter.store_state == "up")
    return Recording(log, metrics, tracing)


def create_app(
    settings: GatewaySettings,
    transports: Mapping[Route, httpx.AsyncBaseTransport] | None = None,
    classifiers: Classifiers | None = None,
    exporters: Exporters | None = None,
    drain: Drain | None = None,
) -> FastAPI:
    """`transports` lets tests put an httpx transport under a backend's client;
    `classifiers` lets them share one loaded set (the spaCy model takes a second);
    `exporters` lets them read spans and exported audit records. `drain` is the one
    the server runner starts on SIGTERM (`gateway.cli.runner`); without it the app
    has its own, which nothing starts."""
    drain = drain or Drain()

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

        # The sentence encoder does not depend on the policy: loaded (and quantized,
        # seconds) once, on the first build, and shared by every reload's classifiers.
        encoder = functools.cache(MiniLM)

        def build(policy: Policy) -> Classifiers:
            return classifiers or Classifiers(policy.classifiers, encoder())

        policies = PolicyStore(settings.policy.file, build)
        edge_load = EdgeLoad(backends["edge"], settings.backends.edge.load_poll_s)
        given_exporters = exporters or Exporters()
        tracing = Tracing(settings.telemetry.tracing, given_exporters.spans)
        limiter = build_shares(
            settings.limits, str(settings.auth.entra.authority), settings.ssl_cert_file
        )
        pipeline = Pipeline(
            backends, policies, edge_load, tracing, settings.classification, limiter
        )
        app.state.pipeline = pipeline
        recording = await _start_recording(settings, pipeline, edge_load, tracing, given_exporters)
        app.state.recording = recording
        metrics_server = _serve_metrics(settings, recording.metrics)
        await limiter.start()
        tasks = [
            asyncio.create_task(policies.watch(settings.policy.reload_interval_s)),
            asyncio.create_task(edge_load.run()),
            asyncio.create_task(limiter.run()),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            if metrics_server is not None:
                metrics_server.shutdown()
            await recording.audit.aclose()
            recording.tracing.shutdown()
            app.state.pipeline.close()
            await limiter.aclose()
            for client in backends.values():
                await client.aclose()
            await identity_http.aclose()

    # hybridgate traces and meters requests itself (gateway/telemetry, its own tracer
    # provider). FastAPI's native telemetry off: no spans or metrics of its own if a
    # global OpenTelemetry provider is ever set, and no per-request check for one.
    app = FastAPI(
        title="hybridgate",
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    # Read by the admin replay, which works over this gateway's own audit log.
    app.state.settings = settings
    app.state.drain = drain
    install_error_handlers(app)
    # Headers, record, drain and body limit in one layer, in that order: a 413 or a
    # draining refusal is recorded and carries the headers like any answer.
    # The completion routes' POSTs are dispatched by the front layer itself, through the
    # fast path it is given (gateway.api.direct); their FastAPI routes, made from the
    # same table (gateway.api.routes), stay for the OpenAPI description and the rest.
    app.add_middleware(
        FrontMiddleware,
        drain=drain,
        max_body_bytes=settings.server.max_body_bytes,
        direct=FastPath(direct_routes()),
    )
    routers = (
        routes.router(),
        explain.router,
        admin.router,
        models.router,
        health.router,
        metrics.router,
    )
    for router in routers:
        app.include_router(router)
    return app


def _serve_metrics(settings: GatewaySettings, metrics: Metrics) -> WSGIServer | None:
    """/metrics without authentication on a loopback-only port, when configured; a
    thread of prometheus_client's own HTTP server."""
    port = settings.telemetry.metrics_port
    if port is None:
        return None
    from prometheus_client import start_http_server

    server, _ = start_http_server(port, settings.telemetry.metrics_host, metrics.registry)
    return server
