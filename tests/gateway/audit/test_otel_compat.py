"""The OpenTelemetry logs names `otel_compat` gathers, checked against the installed
packages: each test fails when one stops holding."""

from __future__ import annotations

import inspect

from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter

from gateway.audit.otel_compat import (
    LoggerProvider,
    LogRecordExporter,
    SeverityNumber,
    SimpleLogRecordProcessor,
    otlp_log_exporter,
)


def test_a_logger_emits_by_these_keywords() -> None:
    provider = LoggerProvider()
    logger = provider.get_logger("hybridgate.test")
    parameters = inspect.signature(logger.emit).parameters
    for name in ("body", "attributes", "event_name", "severity_number"):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    exporter = InMemoryLogRecordExporter()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger.emit(
        body='{"a":1}',
        attributes={"hybridgate.seq": 1},
        event_name="hybridgate.audit",
        severity_number=SeverityNumber.WARN,
    )
    (record,) = [finished.log_record for finished in exporter.get_finished_logs()]
    assert (record.body, record.event_name, record.severity_number) == (
        '{"a":1}',
        "hybridgate.audit",
        SeverityNumber.WARN,
    )
    assert dict(record.attributes or {}) == {"hybridgate.seq": 1}
    provider.shutdown()


def test_the_otlp_exporter_is_a_log_record_exporter() -> None:
    exporter = otlp_log_exporter("http://collector.test:4318/v1/logs", {"x-key": "k"})
    assert isinstance(exporter, LogRecordExporter)
    exporter.shutdown()  # nothing was sent: no connection is made
