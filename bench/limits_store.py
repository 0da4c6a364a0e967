"""The shared limit store's side of `bench.gateway_overhead`: a loopback redis-server,
a policy with every limit set (high enough never to refuse, so each one is counted),
and the env that points a gateway at one or the other store."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis
import yaml

from bench.common import free_port

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 10.0
# Counted on every request, never reached in a benchmark run.
EVERY_LIMIT = {
    "key": "user",
    "default": {
        "requests_per_minute": 10_000_000,
        "tokens_per_minute": 10_000_000_000,
        "concurrent": 10_000,
        "classified_chars_per_minute": 10_000_000_000,
    },
    "edge": {"concurrent": 10_000, "max_share": 1.0},
}


class RedisServer:
    """A redis-server on a free loopback port, persisting nothing."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed (Debian: apt-get install redis-server)"
            )
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(directory)]
        self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        client = redis.Redis(port=self.port, socket_timeout=1.0)
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)


def policy_with_every_limit(state: Path) -> Path:
    """The shipped policy with its `limits:` replaced by EVERY_LIMIT."""
    policy = yaml.safe_load((REPO / "policies" / "default.yaml").read_text(encoding="utf-8"))
    policy["limits"] = EVERY_LIMIT
    path = state / "every-limit.yaml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return path


def store_env(policy: Path, url: str | None) -> dict[str, str]:
    """The gateway's env for the policy, counted in Redis at `url` or, None, in memory."""
    env = {"HYBRIDGATE_POLICY__FILE": str(policy)}
    if url is not None:
        env |= {"HYBRIDGATE_LIMITS__STORE": "redis", "HYBRIDGATE_LIMITS__REDIS__URL": url}
    return env
