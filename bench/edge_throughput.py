"""Edge throughput under concurrent streams, side by side in one run.

Runs, one after another on the same GGUF, the same thread count and (for the first
two) the same llama_cpp build:
  - this edge server (`hybridgate edge serve`, continuous batching over slots);
  - stock `python -m llama_cpp.server` (`--interrupt_requests False`, so it finishes
    each stream instead of cutting it for the next);
  - xllamacpp, llama.cpp's own C++ server with continuous batching, where its wheel is
    installed (`make bench` installs it): the reference ceiling;
  - a raw batched `llama_decode` loop at B=1 and B=8, no HTTP and no sampling: the
    machine's limit.

At each concurrency (default 1, 4, 8, 16), that many clients stream 64-token
completions back to back; distinct prompts, so no server gets a prompt-cache hit.
Prints aggregate tokens/s, time to first token and inter-token latency P50/P99 per
server, then the ratios the edge is judged by. Prints figures only; never fails on time.

With `--grammar`, it measures instead what constrained decoding costs the edge: in
one run of one edge server, at c=8, all streams unconstrained, then half of them
under a json_schema grammar (forced to outlast the token budget), alternating for
`--rounds` rounds; it prints aggregate tokens/s of both and their ratio, and the
unconstrained streams' inter-token latency in both.

    .venv/bin/python -m bench.edge_throughput [--tokens 64] [--rounds 3] \
        [--concurrency 1,4,8,16] [--threads N] [--skip stock,xllamacpp] [--grammar]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.common import free_port, percentile
from edge.models import default_model_path
from gateway.cli.child import Child

MODEL = "smollm2-135m-instruct"
SERVERS = ("edge", "stock", "xllamacpp")


@dataclass
class Level:
    """What one server did at one concurrency."""

    tokens: int = 0
    wall_s: float = 0.0
    ttft_s: list[float] = field(default_factory=list)
    itl_s: list[float] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s else 0.0


def counting_prompt(start: int) -> str:
    # A count the model keeps extending until max_tokens; distinct starts make
    # distinct prompts. Short (about 15 tokens), so that the figures are about
    # decoding streams: on these CPUs a prompt token costs almost what a decoded one
    # does, and long prompts would measure prompt evaluation instead.
    return ", ".join(str(n) for n in range(start, start + 4)) + ","


# A record that needs far more than the token budget: every constrained stream runs
# to max_tokens under its grammar, as the unconstrained counting streams do.
GRAMMAR_SCHEMA = {
    "type": "object",
    "properties": {
        "numbers": {"type": "array", "items": {"type": "integer"}, "minItems": 100, "maxItems": 100}
    },
    "required": ["numbers"],
    "additionalProperties": False,
}


def constrained_payload(start: int, tokens: int) -> dict[str, object]:
    content = f"List the numbers from {start} on, as JSON."
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": content}],
        "max_tokens": tokens,
        "temperature": 0,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "numbers", "schema": GRAMMAR_SCHEMA, "strict": True},
        },
    }


async def stream_once(
    client: httpx.AsyncClient,
    url: str,
    prompt: str,
    tokens: int,
    level: Level,
    payload: dict[str, object] | None = None,
) -> None:
    """One streamed completion: the counting prompt, or `payload` (a chat request)."""
    path = "/v1/completions" if payload is None else "/v1/chat/completions"
    payload = payload or {"model": MODEL, "prompt": prompt, "max_tokens": tokens, "temperature": 0}
    payload = payload | {"stream": True, "stream_options": {"include_usage": True}}
    sent = time.perf_counter()
    last: float | None = None
    chunks = 0
    usage: int | None = None
    async with client.stream("POST", f"{url}{path}", json=payload) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"]["completion_tokens"]
            choice = chunk["choices"][0] if chunk.get("choices") else {}
            if not (choice.get("text") or choice.get("delta", {}).get("content")):
                continue
            now = time.perf_counter()
            if last is None:
                level.ttft_s.append(now - sent)
            else:
                level.itl_s.append(now - last)
            last = now
            chunks += 1
    level.tokens += usage if usage is not None else chunks


async def run_level(url: str, concurrency: int, rounds: int, tokens: int) -> Level:
    level = Level()
    limits = httpx.Limits(max_connections=concurrency + 2)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:

        async def caller(index: int) -> None:
            for round_ in range(rounds):
                start = 1 + 20 * (index * rounds + round_)
                await stream_once(client, url, counting_prompt(start), tokens, level)

        started = time.perf_counter()
        await asyncio.gather(*(caller(i) for i in range(concurrency)))
        level.wall_s = time.perf_counter() - started
    return level


def measure(url: str, levels: list[int], rounds: int, tokens: int) -> dict[int, Level]:
    # Warm-up: the first request pays for lazy allocations.
    asyncio.run(run_level(url, 2, 1, 8))
    return {c: asyncio.run(run_level(url, c, rounds, tokens)) for c in levels}


async def run_mix(url: str, rounds: int, tokens: int, constrained: int) -> tuple[Level, Level]:
    """8 clients, `constrained` of them under a grammar; returns the levels of the
    unconstrained and of the constrained streams, both over the same wall time."""
    free, bound = Level(), Level()
    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=10)) as client:

        async def caller(index: int) -> None:
            for round_ in range(rounds):
                start = 1 + 20 * (index * rounds + round_)
                if index < constrained:
                    payload = constrained_payload(start, tokens)
                    await stream_once(client, url, "", tokens, bound, payload)
                else:
                    await stream_once(client, url, counting_prompt(start), tokens, free)

        started = time.perf_counter()
        await asyncio.gather(*(caller(i) for i in range(8)))
        free.wall_s = bound.wall_s = time.perf_counter() - started
    return free, bound


def measure_grammar(threads: int, rounds: int, tokens: int) -> None:
    port = free_port()
    child = start_server("edge", port, threads, "", 8)
    url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(run_mix(url, 1, 8, 4))  # warm-up, and the grammar cache
        plain: list[tuple[Level, Level]] = []
        mixed: list[tuple[Level, Level]] = []
        for _ in range(rounds):  # alternating, so that drift on the machine hits both
            plain.append(asyncio.run(run_mix(url, 1, tokens, 0)))
            mixed.append(asyncio.run(run_mix(url, 1, tokens, 4)))
    finally:
        child.stop()

    def total(runs: list[tuple[Level, Level]]) -> float:
        return statistics.median((a.tokens + b.tokens) / a.wall_s for a, b in runs)

    def itl(runs: list[tuple[Level, Level]]) -> list[float]:
        return [s for free, _ in runs for s in free.itl_s]

    print(f"\nc=8, {tokens}-token streams, {rounds} alternating rounds (median tok/s)")
    print(f"  all unconstrained:           {total(plain):7.1f} tok/s")
    print(f"  half under a json_schema:    {total(mixed):7.1f} tok/s")
    print(f"  ratio (half constrained / none): {total(mixed) / total(plain):.2f}x")
    print(
        f"  unconstrained streams' ITL P50/P99 ms: {ms(itl(plain), 50)}/{ms(itl(plain), 99)} "
        f"alone, {ms(itl(mixed), 50)}/{ms(itl(mixed), 99)} beside constrained ones"
    )


def start_server(name: str, port: int, threads: int, model: str, parallel: int) -> Child:
    py = sys.executable
    env = dict(os.environ)
    if name == "edge":
        env |= {"HYBRIDGATE_EDGE__N_THREADS": str(threads), "HYBRIDGATE_EDGE__QUEUE_SIZE": "64"}
        argv = [py, "-m", "gateway.cli", "edge", "serve", "--port", str(port)]
        ready = "/readyz"
    elif name == "stock":
        argv = [
            *(py, "-m", "llama_cpp.server", "--model", model, "--model_alias", MODEL),
            *("--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"),
            *("--n_threads", str(threads), "--n_threads_batch", str(threads)),
            *("--interrupt_requests", "False", "--verbose", "False"),
        ]
        ready = "/v1/models"
    else:
        argv = [
            *(py, "-m", "bench.xllamacpp_server", "--model", model, "--port", str(port)),
            *("--parallel", str(parallel), "--threads", str(threads)),
        ]
        ready = "/health"
    child = Child(name, argv, env)
    child.wait_ready(f"http://127.0.0.1:{port}{ready}", timeout_s=180)
    return child


def available(name: str) -> str | None:
    """Why a peer cannot run here, or None when it can."""
    module = {"stock": "sse_starlette", "xllamacpp": "xllamacpp"}.get(name)
    if module and importlib.util.find_spec(module) is None:
        return f"not installed (`make bench` installs the bench extra: {module})"
    return None


# -- the raw batched decode loop ---------------------------------------------------------


def raw_decode(model: str, threads: int, batch: int, steps: int) -> float:
    """Tokens/s of `steps` decode steps over `batch` sequences in one context: a batch
    of one token per sequence, logits for each, no sampling and no HTTP."""
    import llama_cpp
    from llama_cpp._logger import set_verbose

    set_verbose(False)
    llama_cpp.llama_backend_init()
    loaded = llama_cpp.llama_model_load_from_file(
        model.encode(), llama_cpp.llama_model_default_params()
    )
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = batch * 512
    params.n_batch = params.n_ubatch = 512
    params.n_seq_max = batch
    params.kv_unified = False
    params.n_threads = params.n_threads_batch = threads
    ctx = llama_cpp.llama_init_from_model(loaded, params)
    llama_batch = llama_cpp.llama_batch_init(512, 0, 1)
    prompt = list(range(100, 116))

    def fill(entries: list[tuple[int, int, int, bool]]) -> None:
        for n, (token, pos, seq, logits) in enumerate(entries):
            llama_batch.token[n] = token
            llama_batch.pos[n] = pos
            llama_batch.n_seq_id[n] = 1
            llama_batch.seq_id[n][0] = seq
            llama_batch.logits[n] = logits
        llama_batch.n_tokens = len(entries)

    try:
        fill([(t, p, s, p == len(prompt) - 1) for s in range(batch) for p, t in enumerate(prompt)])
        llama_cpp.llama_decode(ctx, llama_batch)
        rates = []
        for repeat in range(3):
            started = time.perf_counter()
            for step in range(steps):
                pos = len(prompt) + repeat * steps + step
                fill([(200 + step, pos, s, True) for s in range(batch)])
                llama_cpp.llama_decode(ctx, llama_batch)
            rates.append(batch * steps / (time.perf_counter() - started))
        return statistics.median(rates)
    finally:
        llama_cpp.llama_batch_free(llama_batch)
        llama_cpp.llama_free(ctx)
        llama_cpp.llama_model_free(loaded)


# -- the report ----------------------------------------------------------------------------


def ms(samples: list[float], q: float) -> str:
    return f"{percentile(samples, q) * 1000:.0f}" if samples else "-"


def print_table(results: dict[str, dict[int, Level]], tokens: int) -> None:
    print(f"\n{tokens}-token streams; TTFT and inter-token latency (ITL) in ms")
    header = f"{'server':<11}{'c':>4}{'tok/s':>9}{'TTFT P50':>10}{'P99':>8}{'ITL P50':>9}{'P99':>7}"
    print(header)
    for name, levels in results.items():
        for c, level in levels.items():
            print(
                f"{name:<11}{c:>4}{level.tokens_per_s:>9.1f}{ms(level.ttft_s, 50):>10}"
                f"{ms(level.ttft_s, 99):>8}{ms(level.itl_s, 50):>9}{ms(level.itl_s, 99):>7}"
            )


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def print_ratios(results: dict[str, dict[int, Level]], raw: dict[int, float]) -> None:
    edge = results.get("edge", {})
    stock = results.get("stock", {})
    xl = results.get("xllamacpp", {})
    print("\nRatios (edge over peer):")
    for c, level in edge.items():
        parts = [f"c={c:<3}"]
        if c in stock:
            parts.append(f"tok/s vs stock {ratio(level.tokens_per_s, stock[c].tokens_per_s)}")
            ttft = percentile(level.ttft_s, 50), percentile(stock[c].ttft_s, 50)
            parts.append(f"TTFT P50 vs stock {ratio(*ttft)}")
        if c in xl:
            parts.append(f"tok/s vs xllamacpp {ratio(level.tokens_per_s, xl[c].tokens_per_s)}")
            ttft = percentile(level.ttft_s, 50), percentile(xl[c].ttft_s, 50)
            parts.append(f"TTFT P50 vs xllamacpp {ratio(*ttft)}")
        print("  " + "; ".join(parts))
    if raw:
        rates = ", ".join(f"B={b} {rate:.1f} tok/s" for b, rate in raw.items())
        print(f"Raw batched llama_decode loop: {rates}")
    print("\nTargets (issue 12):")
    check: list[tuple[str, Callable[[], float], str, float]] = []
    if 1 in edge and 1 in stock:
        check.append(
            ("c=1 tok/s vs stock", lambda: edge[1].tokens_per_s / stock[1].tokens_per_s, ">=", 0.95)
        )
    if 8 in edge and 8 in stock:
        check.append(
            ("c=8 tok/s vs stock", lambda: edge[8].tokens_per_s / stock[8].tokens_per_s, ">=", 2.0)
        )
        check.append(
            (
                "c=8 TTFT P50 vs stock",
                lambda: percentile(edge[8].ttft_s, 50) / percentile(stock[8].ttft_s, 50),
                "<=",
                0.1,
            )
        )
    if 8 in edge and 8 in raw:
        check.append(("c=8 tok/s vs raw B=8", lambda: edge[8].tokens_per_s / raw[8], ">=", 0.8))
    for name, value, op, target in check:
        got = value()
        met = got >= target if op == ">=" else got <= target
        print(f"  {name}: {got:.2f}x (target {op} {target}x) {'met' if met else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="streams per client, back to back")
    parser.add_argument("--concurrency", default="1,4,8,16")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--parallel", type=int, default=8, help="slots of xllamacpp")
    parser.add_argument("--skip", default="", help="comma-separated: edge, stock, xllamacpp, raw")
    parser.add_argument("--grammar", action="store_true", help="constrained vs free, at c=8")
    args = parser.parse_args()
    if args.grammar:
        measure_grammar(args.threads, args.rounds, args.tokens)
        return
    levels = [int(c) for c in args.concurrency.split(",")]
    skip = set(filter(None, args.skip.split(",")))
    model = str(default_model_path())
    print(f"model {model}\nthreads {args.threads}; concurrency {levels}; rounds {args.rounds}")

    results: dict[str, dict[int, Level]] = {}
    for name in SERVERS:
        if name in skip:
            continue
        if (why := available(name)) is not None:
            print(f"{name}: {why}")
            continue
        port = free_port()
        child = start_server(name, port, args.threads, model, args.parallel)
        try:
            results[name] = measure(f"http://127.0.0.1:{port}", levels, args.rounds, args.tokens)
        finally:
            child.stop()
    raw = {}
    if "raw" not in skip:
        raw = {b: raw_decode(model, args.threads, b, args.tokens) for b in (1, 8)}
    print_table(results, args.tokens)
    print_ratios(results, raw)


if __name__ == "__main__":
    main()
