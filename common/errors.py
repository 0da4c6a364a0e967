"""OpenAI-shaped errors shared by the edge server and the gateway, mapped by one handler.

    OpenAIError
     ├── InvalidRequest          400 (param names the field)
     │    └── ContextLengthExceeded   400 code=context_length_exceeded
     ├── ModelNotFound           404
     ├── QueueFull               429 + Retry-After
     ├── ClientDisconnected      499 (nobody is listening)
     ├── EngineUnavailable       503
     ├── Draining                503 + Retry-After (new work while shutting down)
     └── ShuttingDown            503 (work in flight when the drain deadline came)

The gateway adds its own subclasses in `gateway.errors`.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)


class OpenAIError(Exception):
    status_code = 500
    error_type = "server_error"
    code: str | None = "internal_error"
    # Seconds a client should wait before it retries, sent as Retry-After when set.
    retry_after_s: int | None = None

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)} if self.retry_after_s else {}


class InternalError(OpenAIError):
    """An unexpected failure; the message never carries request data."""


class InvalidRequest(OpenAIError):
    status_code = 400
    error_type = "invalid_request_error"
    code = "invalid_request"


class UnsupportedParameter(InvalidRequest):
    code = "unsupported_parameter"


class ContextLengthExceeded(InvalidRequest):
    code = "context_length_exceeded"


class ModelNotFound(OpenAIError):
    status_code = 404
    error_type = "invalid_request_error"
    code = "model_not_found"


class QueueFull(OpenAIError):
    status_code = 429
    error_type = "rate_limit_error"
    code = "queue_full"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ClientDisconnected(OpenAIError):
    """The client left before the answer was ready; the status is for logs, nobody reads it."""

    status_code = 499
    error_type = "invalid_request_error"
    code = "client_closed_request"


class EngineUnavailable(OpenAIError):
    status_code = 503
    error_type = "server_error"
    code = "engine_unavailable"


class Draining(OpenAIError):
    """The server is draining before it stops: another instance can take the request."""

    status_code = 503
    error_type = "server_error"
    code = "draining"
    retry_after_s = 1


class ShuttingDown(OpenAIError):
    status_code = 503
    error_type = "server_error"
    code = "shutting_down"


def error_body(error: OpenAIError) -> dict[str, object]:
    return {
        "error": {
            "message": error.message,
            "type": error.error_type,
            "param": error.param,
            "code": error.code,
        }
    }


def error_response(error: OpenAIError) -> JSONResponse:
    """The one way an OpenAIError becomes a response: handlers and middleware alike."""
    return JSONResponse(error_body(error), status_code=error.status_code, headers=error.headers())


def validation_error(exc: RequestValidationError) -> InvalidRequest:
    """Turns pydantic's error list into one 400 that names the first bad field."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    param = field_path(tuple(first.get("loc", ())))
    message = f"{param}: {first['msg']}" if param else str(first["msg"])
    return InvalidRequest(message, param=param)


def field_path(loc: tuple[object, ...]) -> str | None:
    """('body', 'messages', 0, 'role') -> 'messages[0].role'."""
    path = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None


def install_error_handlers(app: FastAPI) -> None:
    async def on_openai_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OpenAIError)
        return error_response(exc)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return await on_openai_error(request, validation_error(exc))

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        error = OpenAIError(str(exc.detail))
        error.status_code = exc.status_code
        error.error_type = "invalid_request_error" if exc.status_code < 500 else "server_error"
        error.code = "not_found" if exc.status_code == 404 else None
        return await on_openai_error(request, error)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback, answered without internals.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return await on_openai_error(request, InternalError("internal server error"))

    app.add_exception_handler(OpenAIError, on_openai_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
