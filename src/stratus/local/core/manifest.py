"""`state/manifest.json`: which files make up the state, and removing the ones it no longer names.

The manifest names the snapshot file of each moto service (with its SHA-256), the journal
segments to replay after them, and the SHA-256 of each file that must agree with them
(`core.state_files`). It is replaced whole (`persistence.write_atomic`): before a snapshot
it names the new journal segment as well as the old ones, after it the new snapshot files
and the new segment only; files it does not name are then deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core.state_files import DamagedStateError

FORMAT = 2
MANIFEST = "manifest.json"
SNAPSHOTS = "snapshots"
LEGACY_SNAPSHOT = "moto.pickle"  # format 1: one pickle of every service, saved every 2 s


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


def remove_unreferenced(directory: Path, manifest: Manifest) -> None:
    """Delete the snapshot files and journal segments of `directory` that `manifest` does
    not name (those of earlier generations)."""
    keep = {str(info["file"]) for info in manifest.snapshots.values()}
    for path in (directory / SNAPSHOTS).glob("*.pickle"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
    for path in directory.glob("journal-*.wal"):
        if path.name not in manifest.journals:
            path.unlink(missing_ok=True)
