"""The cloud leg: how long `hybridgate cloud up` takes to become ready, and the gateway's
added latency on the cloud path against calling Ray Serve directly, side by side.

Starts the local cloud with `hybridgate cloud up` (timed, as a user runs it), an edge
server and a gateway, then sends identical 1-token requests straight to Ray Serve and
through the gateway (`model: cloud`, which the default policy routes to the cloud),
interleaved so both see the same machine state. Prints figures only.

    .venv/bin/python -m bench.cloud_overhead [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import bench_token, free_port, print_side_by_side
from bench.gateway_overhead import latency
from gateway.cli.child import Child

CLOUD_MODEL = "cloud-smollm2-135m"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    state_dir = tempfile.mkdtemp(prefix="hybridgate-bench-cloud-")
    cloud_port, edge_port, gateway_port = free_port(), free_port(), free_port()
    cloud_url = f"http://127.0.0.1:{cloud_port}"
    edge_url = f"http://127.0.0.1:{edge_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    env = dict(
        os.environ,
        HYBRIDGATE_SERVER__STATE_DIR=state_dir,
        HYBRIDGATE_CLOUD__PORT=str(cloud_port),
        HYBRIDGATE_BACKENDS__EDGE__URL=edge_url,
        HYBRIDGATE_BACKENDS__CLOUD__URL=cloud_url,
    )
    cli = [sys.executable, "-m", "gateway.cli", "--log-level", "warning"]
    token = bench_token(Path(state_dir))
    started = time.perf_counter()
    up = subprocess.run([*cli, "cloud", "up"], env=env, capture_output=True, text=True)
    up_s = time.perf_counter() - started
    if up.returncode != 0:
        print(up.stdout, up.stderr, file=sys.stderr)
        return 1
    edge = Child("edge", [*cli, "edge", "serve", "--port", str(edge_port)], env)
    gateway = Child("gateway", [*cli, "serve", "--port", str(gateway_port)], env)
    try:
        edge.wait_ready(f"{edge_url}/readyz")
        gateway.wait_ready(f"{gateway_url}/readyz")
        with httpx.Client(timeout=300) as client:
            for _ in range(10):  # warm both paths and their connection pools
                latency(client, cloud_url, CLOUD_MODEL)
                latency(client, gateway_url, "cloud", token)
            direct: list[float] = []
            via: list[float] = []
            for _ in range(args.requests):
                direct.append(latency(client, cloud_url, CLOUD_MODEL))
                via.append(latency(client, gateway_url, "cloud", token))
    finally:
        gateway.stop()
        edge.stop()
        started = time.perf_counter()
        subprocess.run([*cli, "cloud", "down"], env=env, capture_output=True)
        down_s = time.perf_counter() - started

    print(f"hybridgate cloud up: ready after {up_s:.1f} s (command wall time)")
    print(f"  its own report: {up.stdout.strip().splitlines()[0]}")
    print(f"hybridgate cloud down: {down_s:.1f} s")
    print_side_by_side(
        args.requests,
        ("Ray Serve direct", direct),
        ("gateway -> Ray Serve", via),
        "gateway added latency on the cloud path",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
