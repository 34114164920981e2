"""The files that must agree with moto's state, and the error that stops `up` on damage.

The manifest (`core.manifest`) keeps the SHA-256 of each file that must agree with the
snapshots and the journal (physical ids, credentials, Lambda versions, outputs). Those
files are written whole (`persistence.write_atomic`), and each write is first announced in
the journal as (hash before, hash after); so at start every file must hash to what the
manifest and the journal say, or to the hash it had just before an interrupted write.
Anything else -- a truncated or garbage snapshot, a file from another backup, a missing
piece, a manifest of another format -- is a `DamagedStateError`: `up` prints it and exits
without writing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


class DamagedStateError(Exception):
    """A state file cannot be used; nothing has been written."""

    def __init__(self, path: Path, reason: str, state_dir: Path | None = None) -> None:
        self.path = path
        self.reason = reason
        self.state_dir = state_dir or path.parent
        super().__init__(self.message())

    def message(self) -> str:
        return (
            f"the saved state cannot be used: {self.path} {self.reason}.\n"
            f"Nothing was changed. Choose one:\n"
            f"  - restore the whole state directory {self.state_dir} from a backup "
            f"(every file in it, together), then run `stratus up` again; or\n"
            f"  - run `stratus up --fresh` to start empty "
            f"(this deletes the saved users, items, objects and queues)."
        )


def sha256_file(path: Path) -> str | None:
    """The file's SHA-256 (hex), or None when it does not exist."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TrackedFiles:
    """The files that must agree with moto's state, by name relative to the state dir."""

    def __init__(self, state_dir: Path, paths: list[Path]) -> None:
        self.state_dir = state_dir
        self._names = {self._key(p): p for p in paths}

    def _key(self, path: Path) -> str:
        return os.path.relpath(os.path.abspath(path), os.path.abspath(self.state_dir))

    def name_of(self, path: Path) -> str | None:
        key = self._key(path)
        return key if key in self._names else None

    def path_of(self, name: str) -> Path:
        return self.state_dir / name

    def names(self) -> list[str]:
        return sorted(self._names)

    def current(self) -> dict[str, str | None]:
        return {name: sha256_file(self.path_of(name)) for name in self.names()}

    def verify(self, expected: dict[str, set[str | None]]) -> dict[str, str | None]:
        """Check every tracked file: readable JSON, and a hash it may have. Returns the
        hashes found. `expected` lacks a name for files the state never recorded (adopted)."""
        found: dict[str, str | None] = {}
        for name in self.names():
            path = self.path_of(name)
            digest = sha256_file(path)
            allowed = expected.get(name)
            if allowed is not None and digest not in allowed:
                what = "is missing" if digest is None else "does not match the rest of the state"
                raise DamagedStateError(
                    path,
                    f"{what} (changed, restored or deleted on its own)",
                    self.state_dir,
                )
            if digest is not None:
                try:
                    json.loads(path.read_bytes())
                except ValueError as exc:
                    raise DamagedStateError(
                        path, f"is not valid JSON ({exc})", self.state_dir
                    ) from None
            found[name] = digest
        return found
