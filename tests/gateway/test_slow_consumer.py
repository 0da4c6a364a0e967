"""A client that stops reading a stream holds bounded memory in a real gateway process
and does not slow other streams: the relay pulls from the upstream only as fast as
the client's socket takes bytes (uvicorn pauses the handler's send() on the transport's
high-water mark), so the upstream is held back by TCP flow control instead of the
gateway buffering what it sends."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.upstream import FaultyUpstream, faulty_upstream
from tests.processes import Service, dev_token, start_gateway

FLOOD_BYTES = 50 * 1024 * 1024
# What may sit between the upstream and the stalled client: the kernel's socket
# buffers on both legs (a few MiB each on loopback) plus the gateway's transport
# buffers (64 KiB marks) and httpx's read chunk. Far below the 50 MiB sent.
MAX_IN_TRANSIT = 16 * 1024 * 1024
MAX_RSS_GROWTH = 32 * 1024 * 1024
# Sampling until the upstream's count stops moving; the assertion is on bytes.
STEADY_SAMPLES = 10
SAMPLE_S = 0.2


@pytest.fixture
def upstream() -> Iterator[FaultyUpstream]:
    with faulty_upstream() as server:
        server.flood_bytes = FLOOD_BYTES
        yield server


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def stalled_stream(service: Service, token: str) -> socket.socket:
    """Asks for a stream over a raw socket, reads its first bytes and then no more."""
    body = json.dumps(
        {"model": "cloud", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()
    sock = socket.create_connection(("127.0.0.1", service.port))
    sock.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\n"
        b"content-type: application/json\r\n"
        + f"authorization: Bearer {token}\r\ncontent-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    first = sock.recv(4096)
    assert first.startswith(b"HTTP/1.1 200"), first
    return sock


def steady(upstream: FaultyUpstream) -> int:
    """flood_written once it has stopped moving: the upstream's socket is full."""
    last, same = -1, 0
    while same < STEADY_SAMPLES:
        time.sleep(SAMPLE_S)
        now = upstream.flood_written
        same = same + 1 if now == last else 0
        last = now
    return last


def test_a_stalled_reader_holds_bounded_memory_and_others_stream_on(
    upstream: FaultyUpstream, log_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    service = start_gateway(
        log_dir, upstream.url, state, HYBRIDGATE_BACKENDS__CLOUD__URL=upstream.url
    )
    token = dev_token(state)
    try:
        rss_before = rss_bytes(service.process.pid)
        upstream.mode = "flood"
        sock = stalled_stream(service, token)
        try:
            in_transit = steady(upstream)
            growth = rss_bytes(service.process.pid) - rss_before
            print(f"\nstalled stream: upstream wrote {in_transit} bytes; gateway RSS +{growth}")
            assert not upstream.flood_done
            assert in_transit < MAX_IN_TRANSIT
            assert growth < MAX_RSS_GROWTH

            # Another stream, meanwhile, goes through whole.
            upstream.mode = "ok"
            fast = httpx.post(
                f"{service.url}/v1/chat/completions",
                json={"model": "cloud", "messages": [{"role": "user", "content": "hi"}]}
                | {"stream": True},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert fast.status_code == 200
            assert fast.text.rstrip().endswith("data: [DONE]")
            # And the stalled one is still held, not buffered into the gateway.
            assert upstream.flood_written == in_transit
        finally:
            sock.close()
    finally:
        service.stop()
