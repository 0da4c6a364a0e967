"""What the benchmarks share: ports, a dev token, percentiles and the side-by-side
latency table."""

from __future__ import annotations

import socket
import statistics
from pathlib import Path

from gateway.auth.config import DevAuthSettings
from gateway.auth.dev import load_or_create_key, mint_dev_token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_token(state_dir: Path) -> str:
    """A dev-issuer token for a gateway using `state_dir`: the gateway checks it on
    every call, as it would an Entra one."""
    return mint_dev_token(
        load_or_create_key(state_dir),
        DevAuthSettings(),
        user="bench",
        roles=[],
        scopes=["access_as_user"],
        ttl_s=3600,
    )


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def print_side_by_side(
    requests: int, direct: tuple[str, list[float]], via: tuple[str, list[float]], added: str
) -> None:
    """P50/P99/mean of direct calls and calls through the gateway, and what the gateway
    adds at P50 and P99 (`added` names it in the output)."""
    width = max(len(direct[0]), len(via[0])) + 2
    print(f"\n1-token /v1/completions, {requests} interleaved requests each (ms):")
    print(f"{'path':<{width}}{'P50':>9}{'P99':>9}{'mean':>9}")
    for name, samples in (direct, via):
        print(
            f"{name:<{width}}{percentile(samples, 50):>9.2f}{percentile(samples, 99):>9.2f}"
            f"{statistics.fmean(samples):>9.2f}"
        )
    for q in (50, 99):
        base, through = percentile(direct[1], q), percentile(via[1], q)
        print(f"{added} P{q}: {through - base:+.2f} ms (x{through / base:.2f} of direct)")
