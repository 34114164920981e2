"""The release publisher: writes a release's files and `manifest.json` into a site root.

The sample release is one binary of generated, deterministic bytes (100 MiB by default),
never committed: `random.Random(seed)` gives the same byte stream on every machine, so every
instance of the Auto Scaling group publishes byte-identical files with identical sha256, and
the file times are set to the release's fixed timestamp, so every instance answers the same
ETag and Last-Modified for the same object (CloudFront and clients resuming a download with
Range may hit a different instance each time). Publishing is idempotent: a release already
in the manifest whose files have the size it names is left alone (the local cloud reuses it
across restarts; on AWS the user data runs this at every boot).

    python -m stratus.updates.publish --root DIR [--version 1.0.0] [--size BYTES]
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SAMPLE_VERSION = "1.0.0"
SAMPLE_SIZE = 100 * 1024 * 1024  # 104,857,600 bytes: the "binary of at least 100 MB"
# The release's time (2026-01-01T00:00:00Z): every instance's files carry it as mtime.
RELEASE_EPOCH = 1767225600
CHUNK = 1024 * 1024


def sample_chunks(version: str, size: int) -> Iterator[bytes]:
    """`size` deterministic bytes for `version`, 1 MiB at a time (never all in memory)."""
    rng = random.Random(f"stratus-updates:{version}")
    left = size
    while left > 0:
        n = min(CHUNK, left)
        yield rng.randbytes(n)
        left -= n


def binary_name(version: str) -> str:
    """Versioned names: a release's files never change, so CloudFront may cache them long."""
    return f"releases/{version}/stratus-update-{version}.bin"


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        return {"releases": []}
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("releases"), list):
        raise ValueError(f"{path}: not a manifest")
    return data


def _complete(root: Path, release: dict[str, Any]) -> bool:
    for entry in release.get("files", []):
        path = root / str(entry["name"])
        if not path.is_file() or path.stat().st_size != int(entry["size"]):
            return False
    return True


def _write_atomic(path: Path, chunks: Iterator[bytes]) -> str:
    """Write `chunks` to `path` through a temporary file; the sha256 of what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
    os.utime(partial, (RELEASE_EPOCH, RELEASE_EPOCH))
    partial.replace(path)
    return digest.hexdigest()


def publish_sample(root: Path, version: str = SAMPLE_VERSION, size: int = SAMPLE_SIZE) -> bool:
    """Publish the sample release into `root` unless it is there already; True if written.
    Instances sharing a root (the local group's data directory) take turns (a file lock)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".publish.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _publish(root, version, size)


def _publish(root: Path, version: str, size: int) -> bool:
    manifest = read_manifest(root)
    releases = [r for r in manifest["releases"] if r.get("version") == version]
    if releases and _complete(root, releases[0]):
        return False
    name = binary_name(version)
    sha = _write_atomic(root / name, sample_chunks(version, size))
    release = {"version": version, "files": [{"name": name, "size": size, "sha256": sha}]}
    others = [r for r in manifest["releases"] if r.get("version") != version]
    manifest = {"releases": [*others, release]}
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    _write_atomic(root / MANIFEST, iter([text.encode()]))
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stratus.updates.publish")
    parser.add_argument("--root", required=True, type=Path, help="the site root")
    parser.add_argument("--version", default=SAMPLE_VERSION)
    parser.add_argument("--size", type=int, default=SAMPLE_SIZE, help="binary size in bytes")
    args = parser.parse_args(argv)
    if args.size < 1:
        parser.error("--size must be positive")
    written = publish_sample(args.root, args.version, args.size)
    print(
        f"release {args.version} {'published' if written else 'already published'} in {args.root}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
