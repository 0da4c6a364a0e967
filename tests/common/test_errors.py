from __future__ import annotations

import pytest

from common.errors import ContextLengthExceeded, QueueFull, error_body, field_path


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("body", "messages", 0, "role"), "messages[0].role"),
        (("body", "model"), "model"),
        (("body",), None),
        (("query", "x"), "query.x"),
    ],
)
def test_field_path(loc: tuple[object, ...], path: str | None) -> None:
    assert field_path(loc) == path


def test_error_body_has_the_openai_shape() -> None:
    error = ContextLengthExceeded("too long", param="messages")
    assert error_body(error) == {
        "error": {
            "message": "too long",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
    assert error.status_code == 400


def test_queue_full_carries_retry_after() -> None:
    error = QueueFull("busy", retry_after_s=3)
    assert error.status_code == 429
    assert error.headers() == {"Retry-After": "3"}
