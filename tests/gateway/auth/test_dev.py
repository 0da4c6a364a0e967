from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gateway.auth.config import DevAuthSettings
from gateway.auth.dev import KEY_FILE, DevVerifier, load_or_create_key, mint_dev_token
from gateway.errors import InvalidToken

SETTINGS = DevAuthSettings()


def test_key_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path / "state")
    mode = stat.S_IMODE((tmp_path / "state" / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    second = load_or_create_key(tmp_path / "state")
    assert first.private_numbers() == second.private_numbers()


async def test_minted_tokens_verify(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path)
    token = mint_dev_token(
        key, SETTINGS, user="alice", roles=["Hybridgate.Admin"], scopes=["access_as_user"], ttl_s=60
    )
    principal = await DevVerifier(SETTINGS, key, leeway_s=0).verify(token)
    assert principal.display_name == "alice"
    assert principal.roles == {"Hybridgate.Admin"}
    assert principal.scopes == {"access_as_user"}
    assert not principal.is_app


async def test_app_tokens_have_no_scopes(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path)
    token = mint_dev_token(key, SETTINGS, user="svc", roles=[], scopes=["x"], ttl_s=60, app=True)
    assert (await DevVerifier(SETTINGS, key, leeway_s=0).verify(token)).is_app


async def test_tokens_from_another_key_are_refused(tmp_path: Path) -> None:
    mine = load_or_create_key(tmp_path / "a")
    theirs = load_or_create_key(tmp_path / "b")
    token = mint_dev_token(theirs, SETTINGS, user="eve", roles=[], scopes=[], ttl_s=60)
    with pytest.raises(InvalidToken, match="does not verify"):
        await DevVerifier(SETTINGS, mine, leeway_s=0).verify(token)


async def test_expired_dev_tokens_are_refused(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path)
    token = mint_dev_token(key, SETTINGS, user="bob", roles=[], scopes=[], ttl_s=-120)
    with pytest.raises(InvalidToken, match="expired"):
        await DevVerifier(SETTINGS, key, leeway_s=60).verify(token)
