"""The one typed settings object: hybridgate.yaml, overridden by HYBRIDGATE_* env vars.

Env vars are read here and nowhere else. `HYBRIDGATE_<SECTION>__<KEY>` overrides a key,
for example `HYBRIDGATE_SERVER__PORT=9090` or `HYBRIDGATE_BACKENDS__EDGE__URL=...`.
The gateway's sections are `GatewaySettings`; the edge server's and the local cloud's
come from their own packages. Only the command line composes them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from cloud.settings import CloudSettings
from edge.settings import EdgeSettings
from gateway.settings import ConfigError, GatewaySettings

__all__ = ["CONFIG_ENV", "ConfigError", "Settings", "load_settings", "with_overrides"]

CONFIG_ENV = "HYBRIDGATE_CONFIG"


class Settings(GatewaySettings, BaseSettings):
    """Everything hybridgate reads at start-up. Built by `load_settings`, never at import."""

    model_config = SettingsConfigDict(
        env_prefix="HYBRIDGATE_", env_nested_delimiter="__", extra="forbid"
    )

    edge: EdgeSettings = EdgeSettings()
    cloud: CloudSettings = CloudSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML file arrives as init kwargs; env vars must win over it.
        return (env_settings, init_settings)


def load_settings(config_path: Path | None = None) -> Settings:
    """Reads the YAML (from the argument, else $HYBRIDGATE_CONFIG, else none) plus env."""
    env_path = os.environ.get(CONFIG_ENV)
    path = config_path or (Path(env_path) if env_path else None)
    data = _read_yaml(path) if path is not None else {}
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc


def with_overrides(settings: Settings, section: str, changes: dict[str, Any]) -> Settings:
    """Settings with command-line values applied to one section, validated as a whole
    (a --host on the command line meets the same rules as one in the YAML)."""
    data = settings.model_dump()
    data[section] = data[section] | changes
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, None)) from exc


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def _describe(exc: ValidationError, path: Path | None) -> str:
    source = str(path) if path is not None else "settings"
    lines = [
        f"{source}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    ]
    return "\n".join(lines)
