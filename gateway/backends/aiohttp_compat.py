"""aiohttp's internals that the aiohttp transport relies on, in one place; the
transport calls these instead of touching them.

- `ClientResponse.connection.protocol` (undocumented): the connection's
  `ResponseHandler`, which outlives the response's hold on the connection (the
  response lets the connection go, and `connection` turns None, once the body ends).
- `ResponseHandler.exception()`: the error the connection ended in, a
  `ClientOSError` after a reset and never one after a clean close. aiohttp ends a
  body that runs until the connection closes the same way for a reset as for a clean
  close; this is the only place the difference shows, and httpx reads a reset as an
  error.

Verified with aiohttp 3.14.5 (tests/gateway/test_aiohttp_compat.py fails when one of
these assumptions stops holding); pyproject allows >= 3.10, < 4,
and the lock pins what was verified.
"""

from __future__ import annotations

import aiohttp
from aiohttp.client_proto import ResponseHandler


def connection_protocol(response: aiohttp.ClientResponse) -> ResponseHandler | None:
    """The protocol of the connection `response` arrives on; take it before the body
    ends, when the response still holds the connection."""
    connection = response.connection
    return connection.protocol if connection is not None else None


def connection_error(protocol: ResponseHandler | None) -> BaseException | None:
    """The error the connection of `protocol` ended in, if it has ended in one."""
    return protocol.exception() if protocol is not None else None
