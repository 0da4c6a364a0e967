"""OpenTelemetry spans for the pipeline's stages: authenticate, classify, decide, forward.

Export is off unless `telemetry.tracing.endpoint` is set (OTLP over HTTP); then each
app has its own TracerProvider, never the process-global one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import INVALID_SPAN, NoOpTracer, Span, Tracer

from gateway.settings import TracingSettings

DECISION_ID = "hybridgate.decision_id"


class Tracing:
    def __init__(self, settings: TracingSettings, exporter: SpanExporter | None = None) -> None:
        """`exporter` replaces the OTLP one (tests pass an in-memory exporter)."""
        self._provider: TracerProvider | None = None
        self.tracer: Tracer = NoOpTracer()
        if exporter is None and settings.endpoint is None:
            return
        self._provider = TracerProvider(
            resource=Resource.create({"service.name": settings.service_name})
        )
        if exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            otlp = OTLPSpanExporter(endpoint=str(settings.endpoint), headers=settings.headers)
            self._provider.add_span_processor(BatchSpanProcessor(otlp))
        else:
            self._provider.add_span_processor(SimpleSpanProcessor(exporter))
        self.tracer = self._provider.get_tracer("hybridgate")

    @contextmanager
    def span(self, name: str, decision_id: str) -> Iterator[Span]:
        if self._provider is None:
            # Export off: not even a no-op span attached to the context (five per
            # request, each a context switch for nothing).
            yield INVALID_SPAN
            return
        with self.tracer.start_as_current_span(name) as span:
            span.set_attribute(DECISION_ID, decision_id)
            yield span

    def shutdown(self) -> None:
        if self._provider is not None:
            self._provider.shutdown()
