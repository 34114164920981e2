"""The token file holds a refresh token: it must be owner-only whatever was there before."""

from __future__ import annotations

import stat
from pathlib import Path

from stratus.cli.todo.tokens import Tokens, TokenStore, default_config_dir

TOKENS = Tokens("me@example.com", "id", "access", "refresh", 123.0)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_save_creates_owner_only_dir_and_file(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "a" / "stratus")
    store.save(TOKENS)
    assert mode(store.directory) == 0o700
    assert mode(store.path) == 0o600
    assert store.load() == TOKENS


def test_existing_loose_dir_and_file_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "stratus"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    store = TokenStore(folder)
    store.path.write_text("{}")
    store.path.chmod(0o644)
    store.save(TOKENS)
    assert (mode(folder), mode(store.path)) == (0o700, 0o600)


def test_load_retightens_a_file_loosened_after_saving(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "stratus")
    store.save(TOKENS)
    store.path.chmod(0o666)
    store.directory.chmod(0o777)
    assert store.load() == TOKENS
    assert (mode(store.directory), mode(store.path)) == (0o700, 0o600)


def test_corrupt_file_reads_as_signed_out_and_clear_removes_it(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    store.path.write_text("not json")
    assert store.load() is None
    assert store.clear() is True
    assert store.clear() is False


def test_config_dir_follows_xdg_config_home(tmp_path: Path) -> None:
    assert default_config_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "stratus"
    assert default_config_dir({}) == Path.home() / ".config" / "stratus"
