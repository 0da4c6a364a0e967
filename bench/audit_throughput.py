"""The throughput cost of the audit log: gateway requests per second with the audit log
on (fsync every 10 ms, the default) against off, measured side by side in one run.

Starts one edge server and two gateways in front of it that differ only in
`audit.enabled`, then alternates rounds of concurrent 1-token requests between them,
so both see the same machine. Prints figures only.

    .venv/bin/python -m bench.audit_throughput [--rounds 4] [--requests 200] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.common import bench_token, free_port
from gateway.cli.child import Child

# Forwarded to the edge: the whole path.
FORWARDED = {"model": "auto", "prompt": "Hello", "max_tokens": 1, "temperature": 0}
# Refused by the policy (restricted data asked of the cloud): no backend call, so the
# audit's share of the gateway's own work shows.
DENIED = {"model": "cloud", "prompt": "My SSN is 219-09-9999", "max_tokens": 1}
SCENARIOS = {"forwarded to the edge": (FORWARDED, 200), "denied by policy": (DENIED, 403)}


def round_rps(
    url: str, token: str, requests: int, concurrency: int, scenario: str = "forwarded to the edge"
) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    per_worker = requests // concurrency
    body, status = SCENARIOS[scenario]

    def worker(_: int) -> None:
        with httpx.Client(timeout=60) as client:
            for _ in range(per_worker):
                response = client.post(f"{url}/v1/completions", json=body, headers=headers)
                assert response.status_code == status, response.text

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return per_worker * concurrency / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    state = tempfile.mkdtemp(prefix="hybridgate-bench-audit-")
    edge_port, on_port, off_port = free_port(), free_port(), free_port()
    edge_url = f"http://127.0.0.1:{edge_port}"
    cli = [sys.executable, "-m", "gateway.cli", "--log-level", "warning"]
    base = dict(os.environ, HYBRIDGATE_BACKENDS__EDGE__URL=edge_url)
    on_env = dict(
        base,
        HYBRIDGATE_SERVER__STATE_DIR=f"{state}/on",
        HYBRIDGATE_AUDIT__FSYNC="interval",
        HYBRIDGATE_AUDIT__FSYNC_INTERVAL_MS="10",
    )
    off_env = dict(
        base, HYBRIDGATE_SERVER__STATE_DIR=f"{state}/off", HYBRIDGATE_AUDIT__ENABLED="false"
    )
    tokens = {}
    for name in ("on", "off"):
        tokens[name] = bench_token(Path(state) / name)
    edge = Child("edge", [*cli, "edge", "serve", "--port", str(edge_port)], base)
    on = Child("gateway (audit on)", [*cli, "serve", "--port", str(on_port)], on_env)
    off = Child("gateway (audit off)", [*cli, "serve", "--port", str(off_port)], off_env)
    urls = {"on": f"http://127.0.0.1:{on_port}", "off": f"http://127.0.0.1:{off_port}"}
    results = {scenario: {"on": [], "off": []} for scenario in SCENARIOS}
    try:
        edge.wait_ready(f"{edge_url}/readyz")
        for child, name in ((on, "on"), (off, "off")):
            child.wait_ready(f"{urls[name]}/readyz")
            round_rps(urls[name], tokens[name], 40, args.concurrency)  # warm up
        for scenario, found in results.items():
            for i in range(args.rounds):
                # Alternate which goes first, so neither always meets a warmer machine.
                order = ("on", "off") if i % 2 == 0 else ("off", "on")
                for name in order:
                    found[name].append(
                        round_rps(
                            urls[name], tokens[name], args.requests, args.concurrency, scenario
                        )
                    )
    finally:
        for child in (on, off, edge):
            child.stop()
    audit_dir = Path(state) / "on" / "audit"
    events = sum(p.read_bytes().count(b"\n") for p in audit_dir.glob("*.jsonl"))
    print(
        f"gateway throughput, {args.concurrency} concurrent clients, "
        f"{args.rounds} alternating rounds of {args.requests} requests per scenario:"
    )
    for scenario, found in results.items():
        print(f"{scenario}:")
        for name, label in (("off", "audit off"), ("on", "audit on, fsync every 10 ms")):
            rps = found[name]
            print(
                f"  {label:<30} median {statistics.median(rps):7.1f} req/s   rounds: "
                + ", ".join(f"{r:.1f}" for r in rps)
            )
        ratio = statistics.median(found["on"]) / statistics.median(found["off"])
        print(f"  audit on / off: x{ratio:.3f} ({(ratio - 1) * 100:+.1f}% throughput)")
    print(f"audit events written by the audited gateway: {events}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
