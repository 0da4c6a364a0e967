"""OpenTelemetry's logs signal, which the audit sink exports through, in one place;
the rest of the code imports it from here.

The logs API and SDK live in underscore modules, OpenTelemetry Python's mark for a
signal still in development whose names may yet move: `opentelemetry._logs`
(`SeverityNumber`), `opentelemetry.sdk._logs` (`LoggerProvider`, whose loggers'
`emit` takes `body`, `attributes`, `event_name` and `severity_number` by keyword),
`opentelemetry.sdk._logs.export` (the processors and the exporter interface) and
`opentelemetry.exporter.otlp.proto.http._log_exporter` (the OTLP/HTTP exporter).

Verified with opentelemetry-api, -sdk and -exporter-otlp-proto-http 1.45.2
(tests/gateway/audit/test_otel_compat.py fails when one of these stops holding);
pyproject allows >= 1.30, < 2,
and the lock pins what was verified.
"""

from __future__ import annotations

from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    LogRecordExporter,
    SimpleLogRecordProcessor,
)

__all__ = [
    "BatchLogRecordProcessor",
    "LogRecordExporter",
    "LoggerProvider",
    "SeverityNumber",
    "SimpleLogRecordProcessor",
    "otlp_log_exporter",
]


def otlp_log_exporter(endpoint: str, headers: dict[str, str]) -> LogRecordExporter:
    """An exporter to an OTLP/HTTP logs endpoint."""
    # Imported here: the OTLP exporter (protobuf, requests) loads only when configured.
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    return OTLPLogExporter(endpoint=endpoint, headers=headers)
