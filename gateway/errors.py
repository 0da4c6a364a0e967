"""The gateway's errors. They extend the shared OpenAI error hierarchy of `common.errors`,
so one handler maps every failure to OpenAI error JSON:

    OpenAIError (common.errors)
     ├── InvalidRequest 400 · ModelNotFound 404 · QueueFull 429 · ClientDisconnected 499
     │    └── InvalidText       400  a string that is not Unicode (a lone surrogate)
     ├── InvalidToken           401 + WWW-Authenticate (MissingToken: no credentials at all)
     ├── InsufficientScope      403 + WWW-Authenticate
     ├── PolicyDenied           403  a policy rule refuses the request
     ├── PayloadTooLarge        413
     ├── UpstreamRejected       the upstream's own 4xx, relayed as it was
     ├── BadGateway             502  upstream answered with garbage or a 5xx
     ├── BackendUnavailable     503  upstream unreachable
     ├── AuthUnavailable        503  signing keys or outbound tokens cannot be had
     └── LimitsUnavailable      503 + Retry-After  the shared limit store is down (closed mode)

The 429 of the policy's limits, `RateLimited`, lives with them in `gateway.limits`.
"""

from __future__ import annotations

from common.errors import (
    ClientDisconnected,
    InvalidRequest,
    ModelNotFound,
    OpenAIError,
    install_error_handlers,
)

__all__ = [
    "AuthUnavailable",
    "BackendUnavailable",
    "BadGateway",
    "ClientDisconnected",
    "InsufficientScope",
    "InvalidRequest",
    "InvalidText",
    "InvalidToken",
    "LimitsUnavailable",
    "MissingToken",
    "ModelNotFound",
    "OpenAIError",
    "PayloadTooLarge",
    "PolicyDenied",
    "UpstreamRejected",
    "install_error_handlers",
]


class InvalidText(InvalidRequest):
    """A string of the body that UTF-8 cannot encode (a lone surrogate); `param` names it."""

    code = "invalid_text"


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


def _challenge(error: str, description: str) -> dict[str, str]:
    # error_description is a quoted-string in WWW-Authenticate: no quotes, no
    # backslashes, printable ASCII only.
    quoted = "".join(c for c in description if 0x20 <= ord(c) < 0x7F and c not in '"\\')
    return {"WWW-Authenticate": f'Bearer error="{error}", error_description="{quoted}"'}


class InvalidToken(OpenAIError):
    """The bearer token is absent, malformed or fails validation. The message says
    what was wrong and never contains the token."""

    status_code = 401
    error_type = "authentication_error"
    code = "invalid_token"

    def headers(self) -> dict[str, str]:
        return _challenge("invalid_token", self.message)


class MissingToken(InvalidToken):
    code = "missing_token"

    def headers(self) -> dict[str, str]:
        # RFC 6750 3.1: a request without credentials gets no error code.
        return {"WWW-Authenticate": 'Bearer realm="hybridgate"'}


class InsufficientScope(OpenAIError):
    status_code = 403
    error_type = "permission_error"
    code = "insufficient_scope"

    def headers(self) -> dict[str, str]:
        return _challenge("insufficient_scope", self.message)


class AuthUnavailable(OpenAIError):
    status_code = 503
    error_type = "server_error"
    code = "auth_unavailable"


class PolicyDenied(OpenAIError):
    status_code = 403
    error_type = "permission_error"
    code = "policy_denied"


class LimitsUnavailable(OpenAIError):
    """The shared limit store cannot be reached and `limits.on_store_unavailable` is
    closed: nothing is served uncounted. Another try in a second may find it back."""

    status_code = 503
    error_type = "server_error"
    code = "limits_unavailable"
    retry_after_s = 1
