"""What the gateway itself adds, against LiteLLM's proxy, side by side in one run.

Both sit in front of one zero-work upstream (`bench.stub_upstream`, which answers every
request at once), so each one's latency above a direct call is its own work. Starts the
stub, hybridgate with the audit log on (fsync every 10 ms, the default) and off,
LiteLLM's proxy when it is installed (`make bench-peers`: its own venv, `.venv-litellm`)
and, unless `--no-floor`, the floor (`bench.floor_proxy`): a raw ASGI forwarder on
uvicorn/httptools/uvloop, nothing else, once over aiohttp and once over httpx; no
Python ASGI gateway on this machine can add less than it. Then runs alternating
rounds; in each:
  1. 1-token chat completions with one repeated prompt, sent in turn to the stub
     directly and through each gateway (interleaved request by request);
  2. the same with a fresh 200-character prompt per request (nothing cached);
  3. throughput with 16 concurrent clients, each gateway in turn (order rotated).
Prints, as medians over rounds, the added P50/P99 (gateway minus direct in the same
round) and requests/s, and the ratios to LiteLLM's against the hot-path targets (the
floor's ratios say how far down those targets are reachable at all).
`--limits-store redis` adds two hybridgate targets with every limit of the policy set
(high enough never to refuse), one counting them in memory and one in a loopback
redis-server (`limits.store: redis`), and prints what the shared store adds.
hybridgate validates a dev bearer token (RS256) on every request; LiteLLM checks its
master key (it refuses to start without one; no database, so no virtual keys).
Prints figures only; it never passes or fails.

    .venv/bin/python -m bench.gateway_overhead [--rounds 3] [--requests 200] [--seconds 4]
        [--litellm PATH | --no-litellm] [--no-floor] [--limits-store redis]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import bench_token, free_port, percentile
from bench.limits_store import RedisServer, policy_with_every_limit, store_env
from bench.rawhttp import RawClient
from gateway.cli.child import Child

REPO = Path(__file__).resolve().parent.parent
LITELLM = REPO / ".venv-litellm" / "bin" / "litellm"
PATH = "/v1/chat/completions"
REPEATED = "Hello, how are you today?"
CONCURRENCY = 16
# Targets: the added P50 at most this times LiteLLM's; throughput at least this times.
TARGET_REPEATED, TARGET_FRESH, TARGET_THROUGHPUT = 0.07, 0.25, 8.0
FLOOR_CLIENTS = ("aiohttp", "httpx")
FLOOR_NOTE = "floor: a raw ASGI forwarder on uvicorn/httptools/uvloop, nothing else"
WORDS = tuple(
    [
        "the",
        "a",
        "report",
        "meeting",
        "schedule",
        "table",
        "river",
        "garden",
        "summary",
        "project",
        "budget",
        "weather",
        "review",
        "quarterly",
        "light",
        "morning",
        "coffee",
        "window",
        "number",
        "plan",
        "team",
        "travel",
        "music",
        "market",
        "history",
        "question",
        "answer",
        "system",
        "paper",
        "evening",
        "simple",
        "color",
        "street",
        "letter",
    ]
)


@dataclass
class Target:
    name: str
    url: str
    model: str
    headers: dict[str, str] = field(default_factory=dict)
    repeated: list[list[float]] = field(default_factory=list)  # per round, ms
    fresh: list[list[float]] = field(default_factory=list)
    rps: list[float] = field(default_factory=list)


def fresh_prompt(rng: random.Random) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < 200:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:200]


def body(target: Target, prompt: str) -> dict[str, object]:
    return {
        "model": target.model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": 1,
    }


async def timed(client: RawClient, target: Target, prompt: str) -> float:
    started = time.perf_counter()
    status, payload = await client.post(PATH, body(target, prompt))
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"{target.name} answered {status}: {payload[:300]!r}")
    return elapsed * 1000


async def latencies(
    targets: list[Target], requests: int, prompts: list[str] | None
) -> list[list[float]]:
    """One keep-alive connection per target, requests interleaved across targets."""
    clients = [RawClient(t.url, t.headers) for t in targets]
    found: list[list[float]] = [[] for _ in targets]
    try:
        for i in range(requests):
            prompt = prompts[i] if prompts else REPEATED
            for k, (client, target) in enumerate(zip(clients, targets, strict=True)):
                found[k].append(await timed(client, target, prompt))
    finally:
        for client in clients:
            await client.aclose()
    return found


async def throughput(target: Target, seconds: float, rng: random.Random) -> float:
    """Requests/s of CONCURRENCY clients, each sending back to back (repeated prompt)."""
    stop_at = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        client = RawClient(target.url, target.headers)
        try:
            while time.perf_counter() < stop_at:
                await timed(client, target, REPEATED)
                done += 1
        finally:
            await client.aclose()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done / (time.perf_counter() - started)


async def run_rounds(
    direct: Target, gateways: list[Target], rounds: int, requests: int, seconds: float
) -> None:
    rng = random.Random(19)
    # Warm each path (connections, caches of the repeated prompt, LiteLLM's lazy imports).
    await latencies([direct, *gateways], 20, None)
    for target in gateways:
        await throughput(target, 1.0, rng)
    for r in range(rounds):
        # Rotate the order, so that no gateway always meets the machine in one state.
        order = gateways[r % len(gateways) :] + gateways[: r % len(gateways)]
        everyone = [direct, *order]
        for k, samples in enumerate(await latencies(everyone, requests, None)):
            everyone[k].repeated.append(samples)
        prompts = [fresh_prompt(rng) for _ in range(requests)]
        for k, samples in enumerate(await latencies(everyone, requests, prompts)):
            everyone[k].fresh.append(samples)
        for target in order:
            target.rps.append(await throughput(target, seconds, rng))
        print(f"round {r + 1}/{rounds} done", file=sys.stderr)


def added(target: Target, direct: Target, kind: str, q: float) -> float:
    """Median over rounds of (target's percentile - direct's, same round)."""
    mine, base = getattr(target, kind), getattr(direct, kind)
    return statistics.median(
        percentile(t, q) - percentile(d, q) for t, d in zip(mine, base, strict=True)
    )


def report(direct: Target, gateways: list[Target], args: argparse.Namespace) -> None:
    print(
        f"\n1-token chat completions to a zero-work stub; {args.rounds} alternating rounds "
        f"of {args.requests} interleaved requests per prompt kind, c={CONCURRENCY} for "
        f"{args.seconds:g} s; medians over rounds (ms, req/s)"
    )
    for kind in ("repeated", "fresh"):
        rounds = getattr(direct, kind)
        p50 = statistics.median(percentile(s, 50) for s in rounds)
        p99 = statistics.median(percentile(s, 99) for s in rounds)
        print(f"stub direct, {kind} prompt: P50 {p50:.2f}  P99 {p99:.2f}")
    header = ("gateway", "rep +P50", "rep +P99", "fresh +P50", "fresh +P99", "c=16 req/s")
    width = max(len(t.name) for t in gateways) + 2
    print(f"{header[0]:<{width}}" + "".join(f"{h:>12}" for h in header[1:]))
    for t in gateways:
        cells = [added(t, direct, k, q) for k in ("repeated", "fresh") for q in (50, 99)]
        print(
            f"{t.name:<{width}}"
            + "".join(f"{c:>12.2f}" for c in cells)
            + f"{statistics.median(t.rps):>12.1f}"
        )
    for t in gateways:
        print(
            f"  {t.name} rounds: c=16 "
            + ", ".join(f"{x:.1f}" for x in t.rps)
            + "; rep +P50 "
            + ", ".join(
                f"{percentile(a, 50) - percentile(b, 50):.2f}"
                for a, b in zip(t.repeated, direct.repeated, strict=True)
            )
        )
    if any(t.name.startswith("floor") for t in gateways):
        print(FLOOR_NOTE)
    report_store(direct, gateways)
    peer = next((t for t in gateways if t.name == "litellm"), None)
    if peer is None:
        return
    print("ratios to LiteLLM (target):")
    for t in gateways:
        if t is peer:
            continue
        rep = added(t, direct, "repeated", 50) / added(peer, direct, "repeated", 50)
        fresh = added(t, direct, "fresh", 50) / added(peer, direct, "fresh", 50)
        rps = statistics.median(t.rps) / statistics.median(peer.rps)
        print(
            f"  {t.name}: repeated +P50 x{rep:.3f} (<= {TARGET_REPEATED}), fresh +P50 "
            f"x{fresh:.3f} (<= {TARGET_FRESH}), c=16 throughput x{rps:.2f} (>= {TARGET_THROUGHPUT})"
        )


def report_store(direct: Target, gateways: list[Target]) -> None:
    """What counting every limit in Redis adds over counting it in memory."""
    by_name = {t.name: t for t in gateways}
    memory, shared = by_name.get("hybridgate limits memory"), by_name.get("hybridgate limits redis")
    if memory is None or shared is None:
        return
    print("limits store, redis minus memory (every limit set; loopback redis-server):")
    for kind in ("repeated", "fresh"):
        cells = [
            f"+P{q} {added(shared, direct, kind, q) - added(memory, direct, kind, q):+.3f} ms"
            for q in (50, 99)
        ]
        print(f"  {kind} prompt: " + ", ".join(cells))
    ratio = statistics.median(shared.rps) / statistics.median(memory.rps)
    print(f"  c={CONCURRENCY} throughput x{ratio:.2f}")


def litellm_child(stub_url: str, port: int, state: Path, litellm: Path, key: str) -> Child:
    config = state / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: stub\n"
        "    litellm_params:\n"
        "      model: openai/stub\n"
        f"      api_base: {stub_url}/v1\n"
        "      api_key: sk-stub\n"
    )
    env = dict(
        os.environ,
        LITELLM_LOCAL_MODEL_COST_MAP="True",  # no download of the price list at start
        LITELLM_LOG="ERROR",
        LITELLM_TELEMETRY="False",
        LITELLM_MASTER_KEY=key,
    )
    argv = [str(litellm), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    return Child("litellm", argv, env)


def floor_child(stub_url: str, port: int, client: str) -> Child:
    argv = [sys.executable, "-m", "bench.floor_proxy", "--port", str(port)]
    argv += ["--upstream", stub_url, "--client", client]
    return Child(f"floor {client}", argv, dict(os.environ))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=4.0, help="per throughput round")
    parser.add_argument("--litellm", type=Path, default=LITELLM, help="its `litellm` command")
    parser.add_argument("--no-litellm", action="store_true", help="without LiteLLM")
    parser.add_argument(
        "--no-floor", action="store_true", help="without the floor (bench.floor_proxy)"
    )
    parser.add_argument(
        "--limits-store",
        choices=("redis",),
        help="also every limit counted in memory and in a loopback Redis, side by side",
    )
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="hybridgate-bench-overhead-"))
    stub_port = free_port()
    stub_url = f"http://127.0.0.1:{stub_port}"
    children = [
        Child(
            "stub",
            [sys.executable, "-m", "bench.stub_upstream", "--port", str(stub_port)],
            dict(os.environ),
        )
    ]
    direct = Target("stub direct", stub_url, "stub")
    gateways: list[Target] = []
    cli = [sys.executable, "-m", "gateway.cli", "--log-level", "warning"]
    variants: list[tuple[str, dict[str, str]]] = [
        ("hybridgate audit on", {}),
        ("hybridgate audit off", {"HYBRIDGATE_AUDIT__ENABLED": "false"}),
    ]
    redis_server = None
    if args.limits_store == "redis":
        redis_server = RedisServer(state)
        policy = policy_with_every_limit(state)
        variants.append(("hybridgate limits memory", store_env(policy, None)))
        variants.append(("hybridgate limits redis", store_env(policy, redis_server.url)))
    for name, overrides in variants:
        port, home = free_port(), state / name.replace(" ", "-")
        env = dict(
            os.environ,
            HYBRIDGATE_BACKENDS__EDGE__URL=stub_url,
            HYBRIDGATE_BACKENDS__CLOUD__URL=stub_url,
            HYBRIDGATE_SERVER__STATE_DIR=str(home),
            **overrides,
        )
        token = bench_token(home)
        children.append(Child(name, [*cli, "serve", "--port", str(port)], env))
        url = f"http://127.0.0.1:{port}"
        gateways.append(Target(name, url, "auto", {"authorization": f"Bearer {token}"}))
    if not args.no_floor:
        for client in FLOOR_CLIENTS:
            port = free_port()
            children.append(floor_child(stub_url, port, client))
            gateways.append(Target(f"floor {client}", f"http://127.0.0.1:{port}", "stub"))
    if args.no_litellm:
        print("LiteLLM: skipped (--no-litellm)")
    elif not args.litellm.exists():
        print(
            f"LiteLLM: not measured, {args.litellm} not found. Install its proxy into a "
            "venv of its own with `make bench-peers` (or: python3 -m venv .venv-litellm && "
            ".venv-litellm/bin/pip install 'litellm[proxy]'), or pass --litellm PATH."
        )
    else:
        port, key = free_port(), f"sk-{secrets.token_hex(24)}"
        children.append(litellm_child(stub_url, port, state, args.litellm, key))
        auth = {"authorization": f"Bearer {key}"}
        gateways.append(Target("litellm", f"http://127.0.0.1:{port}", "stub", auth))
    try:
        children[0].wait_ready(f"{stub_url}/readyz")
        for child, target in zip(children[1:], gateways, strict=True):
            ready = "/health/readiness" if target.name == "litellm" else "/readyz"
            child.wait_ready(f"{target.url}{ready}")
        asyncio.run(run_rounds(direct, gateways, args.rounds, args.requests, args.seconds))
    finally:
        for child in reversed(children):
            child.stop()
        if redis_server is not None:
            redis_server.stop()
    report(direct, gateways, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
