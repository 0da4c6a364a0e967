from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli.settings import ConfigError, Settings, load_settings, with_overrides


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
def test_dev_mode_refuses_non_loopback_binds(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        with_overrides(load_settings(), "server", {"host": host})


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_binds_are_allowed(host: str) -> None:
    assert with_overrides(load_settings(), "server", {"host": host}).server.host == host


def test_entra_mode_may_bind_publicly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDGATE_AUTH__MODE", "entra")
    monkeypatch.setenv("HYBRIDGATE_AUTH__ENTRA__TENANT_ID", "t1")
    monkeypatch.setenv("HYBRIDGATE_AUTH__ENTRA__AUDIENCES", '["api://x"]')
    monkeypatch.setenv("HYBRIDGATE_SERVER__HOST", "0.0.0.0")
    settings = load_settings()
    assert (settings.auth.mode, settings.server.host) == ("entra", "0.0.0.0")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HYBRIDGATE_AUTH__ENTRA__AUDIENCES": '["api://x"]'}, "tenant_id or allowed_tenants"),
        ({"HYBRIDGATE_AUTH__ENTRA__TENANT_ID": "t1"}, "audiences"),
    ],
)
def test_entra_mode_needs_tenant_and_audience(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    monkeypatch.setenv("HYBRIDGATE_AUTH__MODE", "entra")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_auth_mode_none_does_not_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDGATE_AUTH__MODE", "none")
    with pytest.raises(ConfigError, match=r"auth\.mode"):
        load_settings()


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ({"kind": "client_credentials"}, "tenant_id, client_id, scopes"),
        (
            {"kind": "client_credentials", "tenant_id": "t", "client_id": "c", "scopes": ["s"]},
            "exactly one of",
        ),
        ({"kind": "managed_identity"}, "resource"),
    ],
)
def test_outbound_auth_must_be_complete(
    tmp_path: Path, auth: dict[str, object], message: str
) -> None:
    import yaml

    config = tmp_path / "hybridgate.yaml"
    config.write_text(yaml.safe_dump({"backends": {"cloud": {"auth": auth}}}))
    with pytest.raises(ConfigError, match=message):
        load_settings(config)


def test_env_cannot_smuggle_a_public_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDGATE_SERVER__HOST", "0.0.0.0")
    with pytest.raises(ConfigError, match="loopback"):
        load_settings()


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://h:8000/v1", "http://h:8000/"),
        ("http://h:8000/v1/", "http://h:8000/"),
        ("http://h:8000", "http://h:8000/"),
        ("https://h/openai/v1", "https://h/openai"),
        ("http://h:8000/v10", "http://h:8000/v10"),
    ],
)
def test_a_backend_url_may_end_in_v1_as_openai_base_urls_do(given: str, base: str) -> None:
    settings = Settings.model_validate({"backends": {"cloud": {"url": given}}})
    assert str(settings.backends.cloud.url) == base


def test_the_replica_id_defaults_to_the_host_name_looked_up_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up: list[str] = []

    def hostname() -> str:
        looked_up.append("hg-1")
        return "hg-1"

    monkeypatch.setattr("gateway.settings.socket.gethostname", hostname)
    settings = Settings()
    assert settings.server.replica_id is None
    assert looked_up == []  # loading settings does not touch the host
    assert settings.server.resolved_replica_id() == "hg-1"


def test_the_replica_id_can_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDGATE_SERVER__REPLICA_ID", "west-2")
    assert load_settings().server.resolved_replica_id() == "west-2"
    monkeypatch.setenv("HYBRIDGATE_SERVER__REPLICA_ID", "")
    with pytest.raises(ConfigError, match="replica_id"):
        load_settings()
