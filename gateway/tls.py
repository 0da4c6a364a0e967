"""The TLS trust used for every outbound HTTPS call of the gateway."""

from __future__ import annotations

import ssl
from pathlib import Path


def client_ssl_context(extra_ca_file: Path | None) -> ssl.SSLContext:
    """The system's trust store plus an optional extra CA bundle (SSL_CERT_FILE), so a
    private CA in front of an identity provider or backend needs no code change."""
    context = ssl.create_default_context()
    if extra_ca_file is not None:
        context.load_verify_locations(cafile=str(extra_ca_file))
    return context
