from __future__ import annotations

import logging

import pytest

from gateway.access_log import DropQueryStrings


def record(path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", status),
        None,
    )


def test_query_strings_are_dropped() -> None:
    entry = record("/v1/models?access_token=secret", 401)
    assert DropQueryStrings().filter(entry)
    assert "secret" not in entry.getMessage()
    assert "/v1/models?…" in entry.getMessage()


@pytest.mark.parametrize(
    ("path", "status", "kept"),
    [
        ("/readyz", 200, False),
        ("/healthz", 200, False),
        ("/readyz", 503, True),
        ("/v1/models", 200, True),
    ],
)
def test_successful_probes_are_not_logged(path: str, status: int, kept: bool) -> None:
    assert DropQueryStrings().filter(record(path, status)) is kept
