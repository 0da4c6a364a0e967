"""A real `redis-server` per test, on a free loopback port in a temp dir, with nothing
persisted; the tests that need one are skipped, with the reason, where none is
installed (`make test` installs Debian's where it can)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from tests.gateway.limits.helpers import Replicas
from tests.processes import free_port

START_TIMEOUT_S = 10.0
MISSING = (
    "redis-server is not installed: the shared limit store's tests need a real one "
    "(Debian: apt-get install redis-server; `make test` installs it when run as root)"
)


class RedisServer:
    """One redis-server process; `stop` and `start` again keep its port, as a restarted
    cache keeps its address."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *options: str) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.directory), *options]
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                with socket_client(self.port) as client:
                    client.ping()
                    return
            except redis.AuthenticationError:
                return  # up, with a password
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start; log in {self.directory}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self, **options: object) -> redis.Redis:
        """A plain client, to look at what the gateway wrote."""
        return redis.Redis(host="127.0.0.1", port=self.port, **options)  # type: ignore[arg-type]


def socket_client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=1.0)


@pytest.fixture
def redis_binary() -> str:
    binary = shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()),
        None,
    )
    if binary is None:
        pytest.skip(MISSING)
    return binary


@pytest.fixture
def redis_server(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(redis_binary, directory)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def replicas(redis_server: RedisServer) -> AsyncIterator[Replicas]:
    built = Replicas(redis_server.url)
    yield built
    await built.close()
