"""The TLS trust used for every outbound HTTPS call of the gateway.

`ssl_cert_file` (from SSL_CERT_FILE, or the YAML) is the CA bundle, exactly as
OpenSSL reads that variable; without it the system store is used. Both HTTP stacks
the gateway uses (httpx, and requests inside MSAL) get the same trust.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import requests


def client_ssl_context(ca_file: Path | None) -> ssl.SSLContext:
    if ca_file is None:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=str(ca_file))


class PinnedTrustSession(requests.Session):
    """A requests session that keeps its CA bundle. Plain sessions let
    REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE from the environment override it."""

    def __init__(self, ca_file: Path | None) -> None:
        super().__init__()
        self._verify: str | bool = str(ca_file) if ca_file is not None else True

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("verify", self._verify)
        return super().request(method, url, *args, **kwargs)
