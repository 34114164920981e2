"""The signed-in user's Cognito tokens, kept in one owner-only file.

A refresh token is a long-lived credential, so the file is 0600 in a 0700 folder; both are
checked and re-tightened on every save and load (a folder that already existed with looser
bits, or a file someone chmod-ed, is fixed rather than trusted). Writes go to a temp file
then `os.replace`, so a crash never leaves half a token file.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
TOKENS_FILE = "todo-tokens.json"


@dataclass(frozen=True)
class Tokens:
    email: str
    id_token: str
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds when the ID token stops being accepted

    def needs_refresh(self, now: float, leeway: float = 60.0) -> bool:
        return now >= self.expires_at - leeway


def default_config_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/stratus`, else `~/.config/stratus` (what platformdirs picks on Linux)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stratus"


def _tighten(path: Path, mode: int) -> None:
    if stat.S_IMODE(path.stat().st_mode) != mode:
        path.chmod(mode)


class TokenStore:
    def __init__(self, directory: Path | None = None, filename: str = TOKENS_FILE) -> None:
        self.directory = directory or default_config_dir()
        self.path = self.directory / filename

    def _ensure_dir(self) -> None:
        self.directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        _tighten(self.directory, DIR_MODE)

    def save(self, tokens: Tokens) -> None:
        self._ensure_dir()
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(tokens), fh)
        _tighten(tmp, FILE_MODE)  # O_CREAT's mode is ignored when tmp already existed
        os.replace(tmp, self.path)

    def load(self) -> Tokens | None:
        if not self.path.is_file():
            return None
        _tighten(self.directory, DIR_MODE)
        _tighten(self.path, FILE_MODE)
        try:
            return Tokens(**json.loads(self.path.read_text()))
        except (ValueError, TypeError):
            return None  # unreadable or from an older layout: treat as signed out

    def clear(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
