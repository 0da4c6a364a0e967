"""Replay throughput: a candidate policy evaluated over a generated audit log of
100,000 decision events, streamed from disk. Prints decisions per second and the
process's peak RSS after 10,000 and after 100,000 events (it should not grow with the
log: the replay streams it).

    .venv/bin/python -m bench.policy_replay [--events 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from gateway.audit.event import PrincipalView, to_event
from gateway.audit.query import iter_events
from gateway.audit.replay import Replayer
from gateway.auth.principal import Principal
from gateway.classify.signals import ComplexitySignal, Level, SensitivitySignal, Signals
from gateway.policy.engine import RequestFacts, evaluate
from gateway.policy.loader import load_policy
from gateway.record import RequestRecord
from gateway.settings import ReportSettings

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "default.yaml"
CANDIDATE = ROOT / "policies" / "examples" / "role-based.yaml"
ENTITIES = [{}, {"EMAIL_ADDRESS": 1}, {"US_SSN": 1}, {"PERSON": 2}, {"PERSON": 1, "HR_CONTEXT": 1}]
LEVELS = [Level.PUBLIC, Level.CONFIDENTIAL, Level.RESTRICTED, Level.PUBLIC, Level.CONFIDENTIAL]
KEY = b"k" * 32


def generate(path: Path, count: int) -> None:
    policy, revision = load_policy(POLICY)
    view = PrincipalView(KEY)
    rng = random.Random(7)
    with path.open("w") as out:
        for i in range(count):
            kind = rng.randrange(len(ENTITIES))
            score = rng.random()
            signals = Signals(
                SensitivitySignal(LEVELS[kind], ENTITIES[kind], 0.9),
                ComplexitySignal(score, "complex" if score >= 0.5 else "simple"),
            )
            principal = Principal(
                subject="s", oid=f"user-{i % 500}", tid=f"tenant-{i % 3}", app_id="app",
                is_app=False, roles=frozenset(rng.sample(["A", "B", "Hybridgate.CloudUser"], 1)),
                scopes=frozenset(), groups=frozenset(), token_version="2.0",
            )  # fmt: skip
            facts = RequestFacts(
                model=rng.choice(["auto", "auto", "auto", "edge", "cloud"]),
                prompt_tokens=rng.randrange(10, 2000),
                max_tokens=rng.choice([None, 64, 512]),
                edge_queue=rng.randrange(0, 12),
            )
            decision = evaluate(policy, revision, signals, principal, facts, f"dec-{i}")
            record = RequestRecord(f"dec-{i}", f"req-{i}", "POST", "/v1/chat/completions")
            record.principal, record.decision, record.facts = principal, decision, facts
            record.evaluated, record.status = decision, 200
            record.backend = "edge" if decision.route == "deny" else decision.route
            record.tokens_in, record.tokens_out = facts.prompt_tokens, rng.randrange(1, 300)
            out.write(json.dumps(to_event(record, view, "bench")) + "\n")


def rss_mib() -> float:
    """The process's resident set now (not its peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_replay(path: Path, limit: int) -> tuple[float, int]:
    candidate, revision = load_policy(CANDIDATE)
    replayer = Replayer(candidate, revision, KEY, ReportSettings())
    events = iter_events([path])
    started = time.perf_counter()
    for i, event in enumerate(events):
        if i >= limit:
            break
        replayer.add(event)
    return time.perf_counter() - started, replayer.report.decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    count = parser.parse_args().events
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.jsonl"
        started = time.perf_counter()
        generate(path, count)
        size = path.stat().st_size / 2**20
        print(
            f"generated {count:,} events ({size:.1f} MiB) in {time.perf_counter() - started:.1f} s"
        )
        before = rss_mib()
        small_s, small = timed_replay(path, count // 10)
        after_small = rss_mib()
        full_s, full = timed_replay(path, count)
        after_full = rss_mib()
    print(f"replay of {small:,} decisions: {small / small_s:,.0f} decisions/s")
    print(f"replay of {full:,} decisions: {full / full_s:,.0f} decisions/s ({full_s:.2f} s)")
    print(
        f"RSS: {before:.1f} MiB before, {after_small:.1f} MiB after {small:,}, "
        f"{after_full:.1f} MiB after {full:,} (+{after_full - after_small:.1f} MiB for 10x the log)"
    )


if __name__ == "__main__":
    main()
