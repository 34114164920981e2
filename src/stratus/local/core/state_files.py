"""The state directory's manifest, and the check that stops `up` on a damaged state.

`state/manifest.json` names what the state is made of: the snapshot file of each moto
service (with its SHA-256), the journal segments to replay after them, and the SHA-256 of
each file that must agree with them (physical ids, credentials, Lambda versions, outputs).
Those files are written whole (`persistence.write_atomic`), and each write is first
announced in the journal as (hash before, hash after); so at start every file must hash to
what the manifest and the journal say, or to the hash it had just before an interrupted
write. Anything else -- a truncated or garbage snapshot, a file from another backup, a
missing piece, a manifest of another format -- is a `DamagedStateError`: `up` prints it and
exits without writing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 2
MANIFEST = "manifest.json"
SNAPSHOTS = "snapshots"
LEGACY_SNAPSHOT = "moto.pickle"  # format 1: one pickle of every service, saved every 2 s


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


@dataclass
class Manifest:
    generation: int = 0
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)  # service -> file info
    journals: list[str] = field(default_factory=list)
    files: dict[str, str | None] = field(default_factory=dict)  # tracked name -> sha256

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "generation": self.generation,
            "snapshots": self.snapshots,
            "journals": self.journals,
            "files": self.files,
        }
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def read(cls, path: Path, state_dir: Path) -> Manifest:
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise DamagedStateError(path, f"is unreadable ({exc})", state_dir) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            raise DamagedStateError(
                path, f"has format {found!r}, this stratus reads format {FORMAT}", state_dir
            )
        try:
            return cls(
                generation=int(data["generation"]),
                snapshots={str(k): dict(v) for k, v in data["snapshots"].items()},
                journals=[str(name) for name in data["journals"]],
                files={str(k): (str(v) if v else None) for k, v in data["files"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DamagedStateError(path, f"is malformed ({exc})", state_dir) from None


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
