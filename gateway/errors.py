"""The gateway's errors. They extend the shared OpenAI error hierarchy of `edge.errors`,
so one handler maps every failure to OpenAI error JSON:

    OpenAIError (edge.errors)
     ├── InvalidRequest 400 · ModelNotFound 404 · QueueFull 429 · ClientDisconnected 499
     ├── PayloadTooLarge        413
     ├── UpstreamRejected       the upstream's own 4xx, relayed as it was
     ├── BadGateway             502  upstream answered with garbage or a 5xx
     └── BackendUnavailable     503  upstream unreachable
"""

from __future__ import annotations

from edge.errors import (
    ClientDisconnected,
    InvalidRequest,
    ModelNotFound,
    OpenAIError,
    install_error_handlers,
)

__all__ = [
    "BackendUnavailable",
    "BadGateway",
    "ClientDisconnected",
    "InvalidRequest",
    "ModelNotFound",
    "OpenAIError",
    "PayloadTooLarge",
    "UpstreamRejected",
    "install_error_handlers",
]


class PayloadTooLarge(OpenAIError):
    status_code = 413
    error_type = "invalid_request_error"
    code = "request_too_large"


class BadGateway(OpenAIError):
    status_code = 502
    error_type = "server_error"
    code = "bad_gateway"


class BackendUnavailable(OpenAIError):
    status_code = 503
    error_type = "server_error"
    code = "backend_unavailable"


class UpstreamRejected(OpenAIError):
    """A 4xx from the backend about the caller's request, passed on unchanged."""

    def __init__(
        self,
        status_code: int,
        error: dict[str, object],
        retry_after: str | None = None,
    ) -> None:
        super().__init__(str(error.get("message") or "rejected by the backend"))
        self.status_code = status_code
        self.error_type = str(error.get("type") or "invalid_request_error")
        code, param = error.get("code"), error.get("param")
        self.code = str(code) if code is not None else None
        self.param = str(param) if param is not None else None
        self._retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": self._retry_after} if self._retry_after else {}
