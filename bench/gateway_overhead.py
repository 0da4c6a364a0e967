"""Edge decode speed and the gateway's added latency, measured side by side in one run.

Starts an edge server and a gateway (as `hybridgate` child processes), then:
  1. single-stream decode tokens/s of the edge server (streamed, first to last token);
  2. latency of identical 1-token requests sent directly to the edge and through the
     gateway (which validates a bearer token on each), interleaved so both see the same
     machine state; prints P50/P99 of each and the gateway's added latency.
Prints figures only; it never passes or fails on time.

    .venv/bin/python -m bench.gateway_overhead [--requests 200] [--decode-tokens 256]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import bench_token, free_port, print_side_by_side
from gateway.cli.child import Child

MODEL = "smollm2-135m-instruct"
COUNTING = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"


def decode_rate(client: httpx.Client, url: str, tokens: int) -> float:
    payload = {
        "model": MODEL,
        "prompt": COUNTING,
        "max_tokens": tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    first = last = 0.0
    produced = 0
    with client.stream("POST", f"{url}/v1/completions", json=payload) as response:
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            now = time.perf_counter()
            if chunk.get("usage"):
                produced = chunk["usage"]["completion_tokens"]
            elif chunk["choices"] and chunk["choices"][0]["text"]:
                first = first or now
                last = now
    # The first token's time includes prompt processing; count decode after it.
    return (produced - 1) / (last - first)


def latency(client: httpx.Client, url: str, model: str, token: str | None = None) -> float:
    payload = {"model": model, "prompt": "Hello", "max_tokens": 1, "temperature": 0}
    headers = {"Authorization": f"Bearer {token}"} if token else None
    started = time.perf_counter()
    response = client.post(f"{url}/v1/completions", json=payload, headers=headers)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--decode-tokens", type=int, default=256)
    args = parser.parse_args()

    edge_port, gateway_port = free_port(), free_port()
    edge_url, gateway_url = f"http://127.0.0.1:{edge_port}", f"http://127.0.0.1:{gateway_port}"
    cli = [sys.executable, "-m", "gateway.cli", "--log-level", "warning"]
    state_dir = tempfile.mkdtemp(prefix="hybridgate-bench-")
    env = dict(
        os.environ, HYBRIDGATE_BACKENDS__EDGE__URL=edge_url, HYBRIDGATE_SERVER__STATE_DIR=state_dir
    )
    token = bench_token(Path(state_dir))
    edge = Child("edge", [*cli, "edge", "serve", "--port", str(edge_port)], env)
    gateway = Child("gateway", [*cli, "serve", "--port", str(gateway_port)], env)
    try:
        edge.wait_ready(f"{edge_url}/readyz")
        gateway.wait_ready(f"{gateway_url}/readyz")
        with httpx.Client(timeout=300) as client:
            rates = [decode_rate(client, edge_url, args.decode_tokens) for _ in range(3)]
            for _ in range(10):  # warm both paths and their connection pools
                latency(client, edge_url, MODEL)
                latency(client, gateway_url, "auto", token)
            direct: list[float] = []
            via: list[float] = []
            for _ in range(args.requests):
                direct.append(latency(client, edge_url, MODEL))
                via.append(latency(client, gateway_url, "auto", token))
    finally:
        gateway.stop()
        edge.stop()

    print(
        f"edge single-stream decode: {statistics.median(rates):.1f} tokens/s "
        f"(median of 3 runs of {args.decode_tokens} tokens; runs: "
        + ", ".join(f"{r:.1f}" for r in rates)
        + ")"
    )
    print_side_by_side(
        args.requests, ("edge direct", direct), ("gateway -> edge", via), "gateway added latency"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
