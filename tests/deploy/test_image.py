"""Smoke test of the built appliance image (`make image-smoke`; the image is built by
`make image` or `make image-local`, too slow for `make test`): its entrypoint starts
the gateway and the edge server, /readyz answers, a dev token gets a chat completion
from the edge, and everything written lands in the state volume and /tmp.

Runs with podman or docker where they can run containers, else with `buildah run`
(chroot isolation), which needs neither a daemon nor namespaces.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port

IMAGE = os.environ.get("HYBRIDGATE_IMAGE")
READY_TIMEOUT_S = 300.0
VFS = ["--storage-driver", "vfs"]
MARKER = ".smoke-start"

pytestmark = pytest.mark.skipif(
    IMAGE is None, reason="set HYBRIDGATE_IMAGE to a built image (make image-smoke does)"
)


@dataclass
class Appliance:
    """The image's entrypoint running with a state volume and a private /tmp."""

    port: int
    state: Path
    exec_prefix: list[str]
    process: subprocess.Popen[bytes]
    # buildah run cannot mount the root read-only; the test then looks for writes.
    writable_root: bool
    cleanup: list[list[str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def exec(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.exec_prefix, *argv], capture_output=True, text=True, timeout=120, check=False
        )


def runtime() -> str:
    choice = os.environ.get("HYBRIDGATE_SMOKE_RUNTIME")
    if choice:
        return choice
    # podman and docker run containers only where the kernel lets them set rlimits and
    # namespaces; buildah's chroot isolation works in plain sandboxes too.
    return "buildah" if shutil.which("buildah") else "podman"


def env_args(flag: str, env: dict[str, str]) -> list[str]:
    return [arg for key, value in env.items() for arg in (flag, f"{key}={value}")]


@pytest.fixture
def volumes() -> Iterator[Path]:
    """Where the volumes live: a directory every user can traverse. pytest's tmp_path
    sits under 0700 directories of root's, and under buildah's chroot isolation the
    image's user (10001) then ran `hybridgate up` without its state volume: the
    gateway kept its state (and its dev key) in the image, and a token minted by a
    second `buildah run` with the volume did not verify."""
    base = Path(tempfile.mkdtemp(prefix="hg-smoke-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def appliance(tmp_path: Path, volumes: Path) -> Iterator[Appliance]:
    assert IMAGE is not None
    state, scratch = volumes / "state", volumes / "tmp"
    state.mkdir()
    scratch.mkdir()
    # The image runs as uid 10001; the volumes must be its to write.
    for path in (state, scratch):
        os.chown(path, 10001, 10001)
    (scratch / MARKER).touch()  # anything newer on the root filesystem was written by it
    port = free_port()
    # Loopback-only in dev mode; the host network makes the container's loopback ours.
    env = {"HYBRIDGATE_SERVER__PORT": str(port), "HYBRIDGATE_EDGE__PORT": str(free_port())}
    log = (tmp_path / "appliance.log").open("wb")
    tool = runtime()
    if tool == "buildah":
        container = subprocess.run(
            ["buildah", *VFS, "from", "--name", f"hg-smoke-{uuid.uuid4().hex[:8]}", IMAGE],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        run = [
            "buildah",
            *VFS,
            "run",
            "--isolation",
            "chroot",
            "--network",
            "host",
            "-v",
            f"{state}:/var/lib/hybridgate",
            "-v",
            f"{scratch}:/tmp",
        ]
        process = subprocess.Popen(
            [*run, *env_args("--env", env), container, "--", "hybridgate", "up"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # Each `buildah run` is a new process with the image's environment: the ports
        # must be passed again, as `podman exec` would inherit them.
        exec_prefix = [*run, *env_args("--env", env), container, "--"]
        cleanup = [["buildah", *VFS, "rm", container]]
    else:
        name = f"hg-smoke-{uuid.uuid4().hex[:8]}"
        base = [tool, *VFS] if tool == "podman" else [tool]
        process = subprocess.Popen(
            [
                *base,
                "run",
                "--rm",
                "--name",
                name,
                "--network",
                "host",
                "--read-only",
                "--tmpfs",
                "/tmp",
                "-v",
                f"{state}:/var/lib/hybridgate",
                *env_args("-e", env),
                IMAGE,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        exec_prefix = [*base, "exec", name]
        cleanup = [[*base, "stop", "-t", "15", name]]
    service = Appliance(port, state, exec_prefix, process, tool == "buildah", cleanup)
    try:
        yield service
    finally:
        process.terminate()  # SIGTERM to `up`: it stops the gateway and the edge
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for command in service.cleanup:
            subprocess.run(command, capture_output=True, check=False, timeout=120)
        log.close()


def wait_ready(appliance: Appliance) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        assert appliance.process.poll() is None, "the appliance exited before it was ready"
        try:
            if httpx.get(f"{appliance.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"/readyz did not answer 200 within {READY_TIMEOUT_S:.0f}s")


def test_the_appliance_serves_a_chat_completion_from_the_edge(appliance: Appliance) -> None:
    wait_ready(appliance)
    assert appliance.exec("python3", "-m", "gateway.healthcheck").returncode == 0

    minted = appliance.exec("hybridgate", "dev-token", "--user", "smoke")
    assert minted.returncode == 0, minted.stderr
    response = httpx.post(
        f"{appliance.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {minted.stdout.strip()}"},
        json={
            "model": "auto",
            "messages": [{"role": "user", "content": "What is the capital of Japan?"}],
            "max_tokens": 16,
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-hybridgate-route"] == "edge"
    assert response.json()["choices"][0]["message"]["content"]

    # Not root, and the state went to the volume: dev key, audit log, principal key.
    assert appliance.exec("id", "-u").stdout.strip() == "10001"
    assert (appliance.state / "dev-issuer-key.pem").exists()
    assert (appliance.state / "audit" / "audit.jsonl").stat().st_size > 0
    verified = appliance.exec("hybridgate", "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    if appliance.writable_root:
        written = appliance.exec(
            "find", "/", "-xdev",
            "(", "-path", "/proc", "-o", "-path", "/sys", "-o", "-path", "/dev",
            "-o", "-path", "/tmp", "-o", "-path", "/var/lib/hybridgate", ")", "-prune",
            "-o", "-newer", f"/tmp/{MARKER}", "-type", "f", "-print",
        )  # fmt: skip
        # What `buildah run` itself writes into the container for each process it
        # starts (name resolution and its marker); a read-only run mounts these.
        by_runtime = {"/etc/hosts", "/etc/resolv.conf", "/etc/hostname", "/run/.containerenv"}
        ours = [path for path in written.stdout.split() if path not in by_runtime]
        assert ours == [], "written outside the state volume and /tmp"
