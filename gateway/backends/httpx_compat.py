"""httpx's internals that hybridgate relies on, in one place; the rest of the code
calls these instead of touching them.

- `AsyncClient._transport_for_url(url)` (private): the transport `send` would use for
  a URL: one mounted for it (`mounts=`, `proxy=`, or a proxy the environment names
  when the client is given no `transport=`), else the client's own. The upstream
  hands its completion POSTs straight to it, past `send` (`gateway.backends.upstream`).
- `AsyncClient.build_request`, rebuilt from its parts for those POSTs: the URL merged
  with the base URL as `_merge_url` merges it (the base's path prefix kept), the
  client's headers, the body as the `json=` argument encodes it, the client's timeout
  as the "timeout" extension. Cookies and query parameters are left out on purpose:
  the client keeps none for this hop.
- `AsyncHTTPTransport._pool` (private): the httpcore pool the transport sends
  through. The coalescing transport replaces it with one on its own network backend,
  which httpx's constructor does not take (`gateway.backends.coalescing`).

Verified with httpx 0.29.0 (tests/gateway/test_httpx_compat.py fails when one of
these assumptions stops holding); pyproject allows >= 0.27, < 0.30,
and the lock pins what was verified.
"""

from __future__ import annotations

import json
from typing import Any

import httpcore
import httpx


def transport_for_url(client: httpx.AsyncClient, url: httpx.URL) -> httpx.AsyncBaseTransport:
    """The transport `client.send` would hand a request for `url` to."""
    return client._transport_for_url(url)


def merged_url(client: httpx.AsyncClient, path: str) -> httpx.URL:
    """The absolute URL of a relative `path` under the client's base URL, which httpx
    gives a trailing slash; a base URL's own path prefix is kept."""
    base = client.base_url
    return base.copy_with(raw_path=base.raw_path + httpx.URL(path).raw_path.lstrip(b"/"))


def json_headers(client: httpx.AsyncClient) -> list[tuple[bytes, bytes]]:
    """The headers the client gives a request with a JSON body, less Content-Length
    (`httpx.Request` adds it from the body) and Host (added from the URL)."""
    return [*client.headers.raw, (b"Content-Type", b"application/json")]


def json_body(payload: Any) -> bytes:
    """`payload` encoded as httpx's `json=` encodes it: compact, UTF-8, no NaN."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def timeout_extensions(client: httpx.AsyncClient) -> dict[str, Any]:
    """The request extensions that carry the client's timeouts to the transport."""
    return {"timeout": client.timeout.as_dict()}


def replace_pool(transport: httpx.AsyncHTTPTransport, pool: httpcore.AsyncConnectionPool) -> None:
    """Makes `transport` send through `pool`: for a transport not yet used, whose own
    pool holds no connection."""
    transport._pool = pool
