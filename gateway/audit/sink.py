"""Audit events exported as OpenTelemetry log records, for a central collector (Azure
Monitor through the OpenTelemetry Collector, say) where every edge site reports.

The local hash-chained file stays the record of truth; export is best effort, batched
and off the request path.
"""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.sdk.resources import Resource

from gateway.audit.otel_compat import (
    BatchLogRecordProcessor,
    LoggerProvider,
    LogRecordExporter,
    SeverityNumber,
    SimpleLogRecordProcessor,
    otlp_log_exporter,
)
from gateway.settings import OtelLogsSettings

EVENT_NAME = "hybridgate.audit"


class OtelLogSink:
    def __init__(
        self,
        settings: OtelLogsSettings,
        service_name: str,
        exporter: LogRecordExporter | None = None,
    ) -> None:
        """`exporter` replaces the OTLP one (tests pass an in-memory exporter)."""
        self._provider = LoggerProvider(resource=Resource.create({"service.name": service_name}))
        if exporter is None:
            otlp = otlp_log_exporter(str(settings.endpoint), settings.headers)
            self._provider.add_log_record_processor(BatchLogRecordProcessor(otlp))
        else:
            self._provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
        self._logger = self._provider.get_logger("hybridgate.audit")

    def emit(self, event: dict[str, Any]) -> None:
        attributes = {
            "hybridgate.decision_id": event["decision_id"],
            "hybridgate.kind": event["kind"],
            "hybridgate.route": event["route"] or "none",
            "hybridgate.rule": event["rule"] or "none",
            "hybridgate.status": event["status"] or 0,
            "hybridgate.seq": event["seq"],
            "hybridgate.hash": event["hash"],
        }
        self._logger.emit(
            # The event as one JSON string: log bodies cannot hold nulls as values.
            body=json.dumps(event, sort_keys=True, separators=(",", ":")),
            attributes=attributes,
            event_name=EVENT_NAME,
            severity_number=SeverityNumber.WARN
            if event["kind"] == "security"
            else SeverityNumber.INFO,
        )

    def shutdown(self) -> None:
        self._provider.shutdown()
