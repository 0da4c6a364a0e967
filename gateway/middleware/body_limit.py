"""The body limit: a request body over the configured size is refused with a 413
before any parsing.

Bodies are read up to the limit and replayed; chunked uploads without a
Content-Length are counted as they arrive. Applied by the front layer
(`gateway.middleware.front`).
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

from gateway.errors import PayloadTooLarge

UNLIMITED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def declared_too_large(scope: Scope, max_bytes: int) -> bool:
    """True when the Content-Length alone already says the body is over the limit."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return bool(value.isdigit() and int(value) > max_bytes)
    return False


async def read_limited(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole body, or None as soon as it passes `max_bytes`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body exceeds the limit of {max_bytes} bytes")


def replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # After the body, only a disconnect can come; wait for it from the server.
        return await receive()

    return replayed
