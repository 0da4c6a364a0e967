"""Soak and chaos: the gateway, a real edge server and a recording cloud under a steady
mix of callers, one of them abusive, while the edge is killed, the cloud is stopped and
restarted and the gateway is sent SIGTERM and restarted. Loopback only.

The soak plays the supervisor itself (it restarts what it kills), so what it measures
is the gateway's behaviour around the faults. The cloud is `bench.recording_cloud`,
which keeps every body it receives: the report counts the sensitive values planted in
the prompts that reached it (the target is 0).

Reports requests by outcome, gateway and edge RSS (warm, mid-run, before the faults,
end), P50/P99 latency per route, every 5xx with its cause, audit events against
requests answered, `audit verify` across the restarts, and the well-behaved callers'
P99 before and after the abusive one starts.

    .venv/bin/python -m bench.soak [--duration 600] [--users 3] [--abuser-threads 6]
                                   [--abuse simple|pathological] [--replicas 2]

With `--replicas N` the callers send round robin to N gateway replicas that share their
limits on a real redis-server (`limits.store: redis`), each with its own audit log
(all verified, events summed); the abuser's admitted requests per minute are reported
beside its fleet-wide quota. The gateway restarted in the faults is the first replica.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.common import free_port, percentile
from bench.pathological import pathological_bodies
from gateway.auth.config import DevAuthSettings
from gateway.auth.dev import load_or_create_key, mint_dev_token
from gateway.cli.child import Child, StackError

POLICY = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"
SOAK_REQUESTS_PER_MINUTE = 240
# Each caller's quota in the soak: what a well-behaved user stays within and the
# abusive one does not.
SOAK_LIMITS = {
    "key": "user",
    # A token quota, and a classification allowance in step with it (100,000 tokens are
    # about 400,000 characters of prose): a prompt of hundreds of thousands of
    # characters within the classification budget still costs the edge seconds of
    # prompt evaluation, which every other caller waits for, and classifying more than
    # the caller may send only burns cores everyone shares.
    "default": {
        "requests_per_minute": SOAK_REQUESTS_PER_MINUTE,
        "concurrent": 2,
        "tokens_per_minute": 100_000,
        "classified_chars_per_minute": 500_000,
    },
    "edge": {"concurrent": 8, "max_share": 0.5},
}
COMPLEX = (
    "Compare the trade-offs between optimistic and pessimistic locking in a distributed "
    "database, and explain step by step when each one is the better choice."
)
ABUSER_PAUSE_S = 0.05
SIMPLE = ("What is the capital of Japan?", "Say hello.", "Name a colour.", "What is 2 plus 2?")


def _luhn_card(rng: random.Random) -> str:
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    check = (10 - total % 10) % 10
    number = "".join(map(str, digits)) + str(check)
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


def sensitive_prompt(rng: random.Random) -> tuple[str, str]:
    """A complex-sounding prompt (it would go to the cloud if it were not sensitive)
    carrying one planted value; returns (prompt, value)."""
    kind = rng.randrange(3)
    if kind == 0:
        value = f"{rng.randrange(100, 665)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"
        return f"{COMPLEX} My SSN is {value}, keep it in mind.", value
    if kind == 1:
        value = _luhn_card(rng)
        return f"{COMPLEX} Charge card {value} for the design review.", value
    value = f"patient{rng.randrange(10**6)}@contoso.com"
    return f"{COMPLEX} Mail the diabetes diagnosis to {value}.", value


@dataclass
class Result:
    at: float  # seconds since the soak started
    user: str
    kind: str  # simple | complex | sensitive
    status: int | None  # None: no HTTP answer (connection refused or reset)
    route: str | None
    error: str | None
    latency_s: float


@dataclass
class Soak:
    duration_s: float
    users: int
    abuser_threads: int
    state: Path
    # What the abusive caller sends: simple prompts far above its quota, or the
    # pathological bodies of bench/pathological.py.
    abuse: str = "simple"
    results: list[Result] = field(default_factory=list)
    planted: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    # (fault, from, to) in seconds since the start: the 5xx a fault explains.
    windows: list[tuple[str, float, float]] = field(default_factory=list)
    rss: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)

    def now(self) -> float:
        return time.monotonic() - self.started

    def record(self, result: Result, planted: str | None) -> None:
        with self.lock:
            self.results.append(result)
            if planted:
                self.planted.append(planted)


class Stack:
    """The processes under test, restartable one by one: an edge, a recording cloud, and
    one gateway or several replicas (`gateway`, `gateway-1`...) sharing their limits on
    a real redis-server, each with its own audit log."""

    def __init__(self, state: Path, record: Path, replicas: int = 1) -> None:
        self.state = state
        self.record = record
        self.edge_port, self.cloud_port = free_port(), free_port()
        self.gateway_ports = [free_port() for _ in range(replicas)]
        self.gateway_port = self.gateway_ports[0]
        self.redis: subprocess.Popen[bytes] | None = None
        self.redis_port = free_port()
        policy = yaml.safe_load(POLICY.read_text())
        policy["limits"] = SOAK_LIMITS
        policy_file = state / "policy.yaml"
        policy_file.write_text(yaml.safe_dump(policy, sort_keys=False))
        self.env = dict(
            os.environ,
            HYBRIDGATE_SERVER__STATE_DIR=str(state),
            HYBRIDGATE_POLICY__FILE=str(policy_file),
            HYBRIDGATE_BACKENDS__EDGE__URL=f"http://127.0.0.1:{self.edge_port}",
            HYBRIDGATE_BACKENDS__CLOUD__URL=f"http://127.0.0.1:{self.cloud_port}",
            HYBRIDGATE_EDGE__DEFAULT_MAX_TOKENS="16",
        )
        self.children: dict[str, Child] = {}

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def gateway_names(self) -> list[str]:
        return ["gateway"] + [f"gateway-{i}" for i in range(1, len(self.gateway_ports))]

    def url_for(self, turn: int) -> str:
        """The replica a caller's `turn`-th request goes to: round robin, as a load
        balancer in front of the fleet would send it."""
        return f"http://127.0.0.1:{self.gateway_ports[turn % len(self.gateway_ports)]}"

    def audit_dirs(self) -> list[Path]:
        if len(self.gateway_ports) == 1:
            return [self.state / "audit"]
        return [self.state / f"audit-{name}" for name in self.gateway_names]

    def start_redis(self) -> None:
        """A real redis-server for the replicas' shared limits (Debian's package)."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise StackError("--replicas needs redis-server (apt-get install redis-server)")
        self.redis = subprocess.Popen(
            [binary, "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise StackError("redis-server did not start")

    def start(self, name: str) -> None:
        py = [sys.executable, "-m"]
        if name == "edge":
            argv = [*py, "gateway.cli", "edge", "serve", "--port", str(self.edge_port)]
            ready = f"http://127.0.0.1:{self.edge_port}/readyz"
        elif name == "cloud":
            argv = [*py, "bench.recording_cloud", "--port", str(self.cloud_port)]
            argv += ["--record", str(self.record)]
            ready = f"http://127.0.0.1:{self.cloud_port}/readyz"
        else:
            index = self.gateway_names.index(name)
            port = self.gateway_ports[index]
            argv = [*py, "gateway.cli", "serve", "--port", str(port)]
            ready = f"http://127.0.0.1:{port}/readyz"
        env = self.env
        if name.startswith("gateway") and len(self.gateway_ports) > 1:
            audit = self.state / f"audit-{name}" / "audit.jsonl"
            env = dict(
                self.env,
                HYBRIDGATE_AUDIT__PATH=str(audit),
                HYBRIDGATE_SERVER__REPLICA_ID=name,
                HYBRIDGATE_LIMITS__STORE="redis",
                HYBRIDGATE_LIMITS__REDIS__URL=f"redis://127.0.0.1:{self.redis_port}",
                HYBRIDGATE_LIMITS__REPLICAS=str(len(self.gateway_ports)),
            )
        child = Child(name, argv, env)
        self.children[name] = child
        child.wait_ready(ready, timeout_s=180)

    def pid(self, name: str) -> int:
        return self.children[name].process.pid

    def signal(self, name: str, sig: signal.Signals) -> int | None:
        process = self.children[name].process
        process.send_signal(sig)
        try:
            return process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def stop_all(self) -> None:
        for child in reversed(list(self.children.values())):
            child.stop()
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def call(
    client: httpx.Client, url: str, token: str, prompt: str, stream: bool
) -> tuple[int | None, str | None, str | None]:
    body = {"model": "auto", "messages": [{"role": "user", "content": prompt}], "max_tokens": 16}
    headers = {"Authorization": f"Bearer {token}"}
    try:
        if stream:
            with client.stream(
                "POST", f"{url}/v1/chat/completions", json=body | {"stream": True}, headers=headers
            ) as response:
                text = "".join(response.iter_text())
                route = response.headers.get("x-hybridgate-route")
                error = _stream_error(text) if response.status_code == 200 else _error(text)
                return response.status_code, route, error
        response = client.post(f"{url}/v1/chat/completions", json=body, headers=headers)
        error = _error(response.text) if response.status_code >= 400 else None
        return response.status_code, response.headers.get("x-hybridgate-route"), error
    except httpx.HTTPError as exc:
        return None, None, type(exc).__name__


def _error(text: str) -> str | None:
    try:
        error = json.loads(text).get("error", {})
    except ValueError:
        return "not json"
    return str(error.get("code") or error.get("type") or "error")


def _stream_error(text: str) -> str | None:
    if "data: [DONE]" not in text:
        return "stream_incomplete"
    for line in text.splitlines():
        if line.startswith('data: {"error"'):
            return _error(line[6:])
    return None


def abuse_pathologically(soak: Soak, stack: Stack, token: str, seed: int) -> None:
    """The abusive caller with pathological bodies: each must be answered (a 4xx or a
    200 from the edge), and the others' latency must not suffer."""
    rng = random.Random(seed)
    bodies = list(pathological_bodies().items())
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    with httpx.Client(timeout=120) as client:
        turn = 0
        while not soak.stop.is_set():
            name, raw = rng.choice(bodies)
            sent = time.monotonic()
            turn += 1
            try:
                response = client.post(
                    f"{stack.url_for(turn)}/v1/chat/completions", content=raw, headers=headers
                )
                status, route = response.status_code, response.headers.get("x-hybridgate-route")
                error = _error(response.text) if status >= 400 else None
            except httpx.HTTPError as exc:
                status, route, error = None, None, type(exc).__name__
            latency = time.monotonic() - sent
            soak.record(Result(soak.now(), "abuser", name, status, route, error, latency), None)
            time.sleep(0.5 if status is None else ABUSER_PAUSE_S)


def caller(soak: Soak, stack: Stack, user: str, token: str, abusive: bool, seed: int) -> None:
    if abusive and soak.abuse == "pathological":
        abuse_pathologically(soak, stack, token, seed)
        return
    rng = random.Random(seed)
    with httpx.Client(timeout=120) as client:
        turn = 0
        while not soak.stop.is_set():
            turn += 1
            planted = None
            roll = rng.random()
            if abusive:
                kind, prompt = "simple", rng.choice(SIMPLE)
            elif roll < 0.3:
                kind = "sensitive"
                prompt, planted = sensitive_prompt(rng)
            elif roll < 0.5:
                kind, prompt = "complex", COMPLEX
            else:
                kind, prompt = "simple", rng.choice(SIMPLE)
            sent = time.monotonic()
            status, route, error = call(
                client, stack.url_for(turn), token, prompt, rng.random() < 0.5
            )
            latency = time.monotonic() - sent
            soak.record(Result(soak.now(), user, kind, status, route, error, latency), planted)
            if status is None:
                time.sleep(0.5)  # the gateway is down: retry as a client library would
            elif abusive:
                # Far above its quota, yet paced so that the soak's own client does not
                # take the two cores from the processes under test.
                time.sleep(ABUSER_PAUSE_S)
            else:
                time.sleep(rng.uniform(0.2, 0.6))  # a person reads the answer


def token_for(state: Path, user: str) -> str:
    return mint_dev_token(
        load_or_create_key(state),
        DevAuthSettings(),
        user=user,
        roles=[],
        scopes=["access_as_user"],
        ttl_s=24 * 3600,
    )


def sample_rss(soak: Soak, stack: Stack, label: str) -> None:
    for name in ("gateway", "edge"):
        soak.rss.setdefault(name, []).append((label, rss_kib(stack.pid(name))))


def run(
    duration_s: float,
    users: int,
    abuser_threads: int,
    state: Path,
    abuse: str = "simple",
    replicas: int = 1,
) -> dict[str, Any]:
    record = state / "cloud-received.jsonl"
    stack = Stack(state, record, replicas)
    soak = Soak(duration_s, users, abuser_threads, state, abuse)
    if replicas > 1:
        stack.start_redis()
    for name in ("edge", "cloud", *stack.gateway_names):
        stack.start(name)
    threads: list[threading.Thread] = []
    soak.started = time.monotonic()

    def spawn(user: str, abusive: bool, seed: int) -> None:
        token = token_for(state, user)
        thread = threading.Thread(
            target=caller, args=(soak, stack, user, token, abusive, seed), daemon=True
        )
        thread.start()
        threads.append(thread)

    for i in range(users):
        spawn(f"user{i}", False, i)
    # (fraction of the run, what happens then): the abuser joins after a baseline;
    # RSS is sampled before any fault; the faults come in the second half.
    schedule = [
        (0.10, "rss warm"),
        (0.25, "abuser"),
        (0.30, "rss mid"),
        (0.50, "rss before faults"),
        (0.55, "kill edge"),
        (0.65, "restart cloud"),
        (0.80, "restart gateway"),
    ]
    try:
        for fraction, action in schedule:
            while soak.now() < fraction * duration_s:
                time.sleep(0.2)
            if action.startswith("rss"):
                sample_rss(soak, stack, action.removeprefix("rss "))
            elif action == "abuser":
                soak.faults.append(f"{soak.now():.0f}s: abusive caller starts")
                for t in range(abuser_threads):
                    spawn("abuser", True, 1000 + t)
            elif action == "kill edge":
                began = soak.now()
                stack.signal("edge", signal.SIGKILL)
                soak.faults.append(f"{soak.now():.0f}s: edge SIGKILLed")
                stack.start("edge")
                soak.faults.append(f"{soak.now():.0f}s: edge restarted and ready")
                soak.windows.append(("edge killed", began, soak.now()))
            elif action == "restart cloud":
                began = soak.now()
                stack.signal("cloud", signal.SIGTERM)
                soak.faults.append(f"{soak.now():.0f}s: cloud stopped")
                time.sleep(min(10.0, duration_s * 0.03))
                stack.start("cloud")
                soak.faults.append(f"{soak.now():.0f}s: cloud restarted and ready")
                soak.windows.append(("cloud restarted", began, soak.now()))
            else:
                began = soak.now()
                code = stack.signal("gateway", signal.SIGTERM)
                soak.faults.append(f"{soak.now():.0f}s: gateway SIGTERM, exit status {code}")
                stack.start("gateway")
                soak.faults.append(f"{soak.now():.0f}s: gateway restarted and ready")
                soak.windows.append(("gateway restarted", began, soak.now()))
        while soak.now() < duration_s:
            time.sleep(0.2)
        sample_rss(soak, stack, "end")
    finally:
        soak.stop.set()
        for thread in threads:
            thread.join(130)
        stack.stop_all()
    return report(soak, stack, record)


def audit_events(directory: Path) -> int:
    return sum(
        sum(1 for line in path.read_bytes().splitlines() if line.strip())
        for path in directory.glob("audit*.jsonl")
    )


def audit_verifies(state: Path, directory: Path) -> tuple[bool, str]:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "audit", "verify", str(directory)],
        env=dict(os.environ, HYBRIDGATE_SERVER__STATE_DIR=str(state)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode == 0, (done.stdout + done.stderr).strip().splitlines()[-1:][0]


def leaked(record: Path, planted: list[str]) -> list[str]:
    """Planted values found in what the cloud received, as written or digits only."""
    received = record.read_text() if record.exists() else ""
    digits = "".join(ch for ch in received if ch.isdigit())
    found = []
    for value in planted:
        bare = "".join(ch for ch in value if ch.isdigit())
        if value in received or (bare and "@" not in value and bare in digits):
            found.append(value)
    return found


# A request answered this long after a fault's recovery may still have been caught by
# it (a stream that began during the fault, a breaker's trial).
FAULT_GRACE_S = 3.0


def explained_by(soak: Soak, result: Result) -> str | None:
    """The fault during which a request ended, if any."""
    started = result.at - result.latency_s
    for name, began, ended in soak.windows:
        if result.at >= began and started <= ended + FAULT_GRACE_S:
            return name
    return None


def report(soak: Soak, stack: Stack, record: Path) -> dict[str, Any]:
    results = soak.results
    outcomes = Counter(
        f"{r.status or 'no answer'} {r.error or ''}".strip()
        + (f" ({r.user})" if r.user == "abuser" and r.status == 429 else "")
        for r in results
    )
    latency = {
        route: {
            "p50_ms": round(percentile(samples, 50) * 1000),
            "p99_ms": round(percentile(samples, 99) * 1000),
            "count": len(samples),
        }
        for route in ("edge", "cloud")
        if (samples := [r.latency_s for r in results if r.status == 200 and r.route == route])
    }
    server_errors = Counter(
        f"{r.status} {r.error}: {explained_by(soak, r) or 'UNEXPLAINED'}"
        for r in results
        if r.status and r.status >= 500
    )
    abuser_from, faults_from = 0.25 * soak.duration_s, 0.55 * soak.duration_s
    others = [r for r in results if r.user != "abuser" and r.status == 200]
    before = [r.latency_s for r in others if r.at < abuser_from]
    during = [r.latency_s for r in others if abuser_from <= r.at < faults_from]
    abuser = [r for r in results if r.user == "abuser"]
    answered = sum(1 for r in results if r.status is not None)
    events = sum(audit_events(directory) for directory in stack.audit_dirs())
    checks = [audit_verifies(soak.state, directory) for directory in stack.audit_dirs()]
    verified = all(ok for ok, _ in checks)
    verify_line = " | ".join(line for _, line in checks)
    # The abuser's answers per minute of its run, against its quota: with replicas on
    # Redis the quota is the fleet's, not each replica's.
    abuser_minutes = max((soak.duration_s - abuser_from) / 60, 1 / 60)
    abuser_admitted = sum(1 for r in abuser if r.status is not None and r.status != 429)
    growth = {
        name: round(100 * (samples[2][1] - samples[0][1]) / samples[0][1], 1)
        for name, samples in soak.rss.items()
        if len(samples) >= 3 and samples[0][1]
    }
    return {
        "duration_s": soak.duration_s,
        "requests": len(results),
        "outcomes": dict(outcomes.most_common()),
        "faults": soak.faults,
        "rss_kib": soak.rss,
        "rss_growth_warm_to_before_faults_percent": growth,
        "latency_by_route": latency,
        "server_errors": dict(server_errors),
        "unexplained_5xx": sum(
            1 for r in results if r.status and r.status >= 500 and explained_by(soak, r) is None
        ),
        "not_openai_shaped_errors": sum(
            1 for r in results if r.status and r.status >= 400 and r.error == "not json"
        ),
        "audit": {
            "requests_answered": answered,
            "events": events,
            "lost": answered - events,
            "verify": verify_line,
            "verified": verified,
        },
        "sensitive_requests": len(soak.planted),
        "sensitive_values_at_cloud": leaked(record, soak.planted),
        "cloud_bodies_received": sum(1 for _ in record.open()) if record.exists() else 0,
        "abuser": {
            "requests": len(abuser),
            "limited_429": sum(1 for r in abuser if r.status == 429),
            "answered_200": sum(1 for r in abuser if r.status == 200),
            "answered_4xx": sum(1 for r in abuser if r.status and 400 <= r.status < 500),
            "server_errors": sum(1 for r in abuser if r.status and r.status >= 500),
            "unanswered": sum(1 for r in abuser if r.status is None),
            "slowest_s": round(max((r.latency_s for r in abuser), default=0.0), 2),
            # Admitted (not refused 429) per minute, and the quota they are held to.
            "admitted_per_minute": round(abuser_admitted / abuser_minutes, 1),
            "quota_requests_per_minute": SOAK_REQUESTS_PER_MINUTE,
            "by_body": dict(Counter(f"{r.kind}: {r.status}" for r in abuser).most_common()),
        },
        "others_p99_ms": {
            "before_abuser": round(percentile(before, 99) * 1000) if before else None,
            "with_abuser": round(percentile(during, 99) * 1000) if during else None,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds")
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("--abuser-threads", type=int, default=6)
    parser.add_argument("--state", type=Path, default=None, help="kept after the run")
    parser.add_argument(
        "--abuse",
        choices=("simple", "pathological"),
        default="simple",
        help="what the abusive caller sends (pathological: bench/pathological.py's bodies)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="gateway replicas behind round robin, sharing their limits on a real "
        "redis-server (more than 1 needs redis-server installed)",
    )
    args = parser.parse_args()
    state = args.state or Path(tempfile.mkdtemp(prefix="hybridgate-soak-"))
    state.mkdir(parents=True, exist_ok=True)
    result = run(args.duration, args.users, args.abuser_threads, state, args.abuse, args.replicas)
    print(json.dumps(result, indent=2))
    print(f"state kept in {state}")


if __name__ == "__main__":
    main()
