"""The edge server's single-stream decode speed: one streamed completion, tokens per
second from its first token to its last (prompt processing left out).

    .venv/bin/python -m bench.edge_decode [--decode-tokens 256] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import httpx

from bench.common import free_port
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decode-tokens", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=tempfile.mkdtemp(prefix="hybridgate-"))
    cli = [sys.executable, "-m", "gateway.cli", "--log-level", "warning"]
    edge = Child("edge", [*cli, "edge", "serve", "--port", str(port)], env)
    try:
        edge.wait_ready(f"{url}/readyz")
        with httpx.Client(timeout=300) as client:
            rates = [decode_rate(client, url, args.decode_tokens) for _ in range(args.runs)]
    finally:
        edge.stop()
    print(
        f"edge single-stream decode: {statistics.median(rates):.1f} tokens/s "
        f"(median of {args.runs} runs of {args.decode_tokens} tokens; runs: "
        + ", ".join(f"{r:.1f}" for r in rates)
        + ")"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
