from __future__ import annotations

from pathlib import Path

import pytest

from gateway.settings import ConfigError, ServerSettings, load_settings, with_overrides


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("HYBRIDGATE_"):
            monkeypatch.delenv(key)


def test_defaults_need_no_file() -> None:
    settings = load_settings()
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8080)
    assert settings.server.max_body_bytes == 4 * 1024 * 1024
    assert str(settings.backends.edge.url) == "http://127.0.0.1:8081/"
    assert settings.edge.port == 8081


def test_yaml_file_sets_values(tmp_path: Path) -> None:
    config = tmp_path / "hybridgate.yaml"
    config.write_text(
        "server:\n  port: 9001\nbackends:\n  edge:\n    url: http://127.0.0.1:9\n    model: m\n"
    )
    settings = load_settings(config)
    assert settings.server.port == 9001
    assert settings.backends.edge.model == "m"


def test_env_overrides_yaml_and_merges_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hybridgate.yaml"
    config.write_text("server:\n  port: 9001\n  max_body_bytes: 2048\n")
    monkeypatch.setenv("HYBRIDGATE_SERVER__PORT", "9002")
    monkeypatch.setenv("HYBRIDGATE_BACKENDS__CLOUD__MODEL", "big")
    settings = load_settings(config)
    assert settings.server.port == 9002
    assert settings.server.max_body_bytes == 2048
    assert settings.backends.cloud.model == "big"


def test_config_path_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "elsewhere.yaml"
    config.write_text("edge:\n  queue_size: 3\n")
    monkeypatch.setenv("HYBRIDGATE_CONFIG", str(config))
    assert load_settings().edge.queue_size == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("server:\n  port: 0\n", "server.port"),
        ("server:\n  prot: 1\n", "server.prot"),
        ("bogus: {}\n", "bogus"),
        ("server: [1, 2\n", "invalid YAML"),
        ("- a list\n", "mapping"),
        ("backends:\n  edge:\n    url: not a url\n    model: m\n", "backends.edge.url"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "hybridgate.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "absent.yaml")


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com", "::"])
def test_non_loopback_bind_is_refused_until_auth_exists(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        with_overrides(ServerSettings(), {"host": host})


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_binds_are_allowed(host: str) -> None:
    assert with_overrides(ServerSettings(), {"host": host}).host == host


def test_env_cannot_smuggle_a_public_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDGATE_SERVER__HOST", "0.0.0.0")
    with pytest.raises(ConfigError, match="loopback"):
        load_settings()
