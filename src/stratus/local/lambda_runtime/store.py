"""Lambda's durable state: published versions (code + configuration snapshots) and layers.

A version is immutable: publishing copies the code as it is into the state dir and keeps
the configuration beside it, numbered 1, 2, ... per function; a new number only when code or
configuration changed since the last one, as PublishVersion does
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html). Layer versions are
numbered the same way per layer name. The JSON file is written atomically after every change,
so numbers stay stable across restarts; `--fresh` wipes the state dir and starts again at 1.

Providers write here at provision time (CloudFormation publishes while it deploys); the
runtime reads the snapshots when it registers the deployment's versions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from stratus.local.core.linked_copy import copy_code_tree
from stratus.local.core.persistence import write_atomic
from stratus.local.core.settings import LocalSettings

INLINE_FILES = {"python": "index.py", "node": "index.js"}


def directory_digest(path: Path) -> tuple[str, int]:
    """(base64 SHA-256 over every file's relative path and bytes, total size): CodeSha256 and
    CodeSize stand-ins for a directory (Lambda hashes the .zip it was given)."""
    digest = hashlib.sha256()
    size = 0
    root = Path(path)
    if not root.is_dir():
        return base64.b64encode(digest.digest()).decode(), 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            file = Path(dirpath) / filename
            if not file.is_file():
                continue
            data = file.read_bytes()
            digest.update(str(file.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
            size += len(data)
    return base64.b64encode(digest.digest()).decode(), size


def inline_code(props: dict[str, Any]) -> str | None:
    code = props.get("Code")
    if isinstance(code, dict) and isinstance(code.get("ZipFile"), str):
        return str(code["ZipFile"])
    return None


def write_inline(directory: Path, runtime: str, source: str) -> Path:
    """Code.ZipFile as CloudFormation deploys it: index.py (Python) or index.js (Node.js)
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html)."""
    family = "node" if runtime.startswith("nodejs") else "python"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / INLINE_FILES[family]
    if not target.exists() or target.read_text(encoding="utf-8") != source:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(source, encoding="utf-8")
        tmp.replace(target)
    return directory


def _signature(path: Path) -> tuple[int, int, int]:
    # write_atomic replaces the file: a new inode, so a write within the clock's tick shows too
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def _fingerprint(props: dict[str, Any], code_dir: Path | None) -> str:
    config = {k: v for k, v in props.items() if k not in ("Description", "Tags")}
    text = json.dumps(config, sort_keys=True, default=str)
    code = directory_digest(code_dir)[0] if code_dir is not None else ""
    return hashlib.sha256((text + code).encode()).hexdigest()


class LambdaStore:
    """<snapshot_dir>/lambda/state.json plus code snapshots under <snapshot_dir>/lambda/."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / "state.json"
        self._data: dict[str, Any] = {"functions": {}, "layers": {}}
        self._mtime: tuple[int, int, int] | None = None
        self._refresh()

    def _refresh(self) -> None:
        """Re-read the file if another instance (a provider, a restart) wrote it since."""
        try:
            mtime = _signature(self.path)
        except OSError:
            return
        if mtime == self._mtime:
            return
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        self._data = {"functions": {}, "layers": {}}
        if isinstance(loaded, dict):
            self._data.update(loaded)
        self._mtime = mtime

    @classmethod
    def for_settings(cls, settings: LocalSettings) -> LambdaStore:
        return cls(settings.snapshot_dir / "lambda")

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self._data, indent=1, sort_keys=True).encode())
        self._mtime = _signature(self.path)

    # Code ---------------------------------------------------------------------------
    def inline_dir(self, function: str) -> Path:
        return self.root / "inline" / function

    def materialize(self, function: str, props: dict[str, Any], asset_dir: Path | None) -> Path:
        """Where $LATEST's code is: the asset, or inline code written to the state dir."""
        source = inline_code(props)
        if source is not None:
            return write_inline(self.inline_dir(function), str(props.get("Runtime", "")), source)
        if asset_dir is None:
            raise ValueError(f"{function}: no code asset and no inline code")
        return Path(asset_dir)

    def record_latest(self, name: str, props: dict[str, Any], asset_dir: Path | None) -> None:
        """What $LATEST is now (the provisioner's view), for a Version resource to publish."""
        self._refresh()
        fn = self._function(name)
        latest = {"properties": props, "asset_dir": str(asset_dir) if asset_dir else None}
        if fn.get("latest") != latest:
            fn["latest"] = latest
            self.save()

    def latest(self, name: str) -> tuple[dict[str, Any], Path | None] | None:
        self._refresh()
        record = self._data["functions"].get(name, {}).get("latest")
        if not record:
            return None
        asset = record.get("asset_dir")
        return dict(record["properties"]), Path(asset) if asset else None

    # Versions -----------------------------------------------------------------------
    def _function(self, name: str) -> dict[str, Any]:
        fn: dict[str, Any] = self._data["functions"].setdefault(name, {"versions": {}})
        return fn

    def publish(
        self,
        name: str,
        props: dict[str, Any],
        code_dir: Path | None,
        *,
        description: str = "",
    ) -> str:
        """Publish the function's current code and configuration; returns the version number
        (the last one again when nothing changed since it was published)."""
        self._refresh()
        fn = self._function(name)
        code = self.materialize(name, props, code_dir)
        fingerprint = _fingerprint(props, code)
        versions: dict[str, Any] = fn["versions"]
        if versions:
            last = str(max(int(v) for v in versions))
            if versions[last]["fingerprint"] == fingerprint:
                return last
        number = str(int(fn.get("last_number", 0)) + 1)
        snapshot = self.root / "code" / name / number
        if snapshot.exists():
            shutil.rmtree(snapshot)
        copy_code_tree(code, snapshot)  # the source may change or go later
        fn["last_number"] = int(number)
        versions[number] = {
            "fingerprint": fingerprint,
            "properties": props,
            "code_dir": str(snapshot),
            "description": description,
            "published": time.time(),
        }
        self.save()
        return number

    def version(self, name: str, number: str) -> dict[str, Any] | None:
        self._refresh()
        record = self._data["functions"].get(name, {}).get("versions", {}).get(str(number))
        return dict(record) if record else None

    def versions(self, name: str) -> dict[str, dict[str, Any]]:
        self._refresh()
        return dict(self._data["functions"].get(name, {}).get("versions", {}))

    # Layers -------------------------------------------------------------------------
    def publish_layer(self, name: str, props: dict[str, Any], content: Path | None) -> int:
        """A layer version number for this content (a new one when the content changed)."""
        self._refresh()
        layer = self._data["layers"].setdefault(name, {"versions": {}})
        text = json.dumps(props, sort_keys=True, default=str)
        code = directory_digest(content)[0] if content is not None else ""
        fingerprint = hashlib.sha256((text + code).encode()).hexdigest()
        for number, record in layer["versions"].items():
            if record["fingerprint"] == fingerprint:
                return int(number)
        number = int(layer.get("last_number", 0)) + 1
        layer["last_number"] = number
        layer["versions"][str(number)] = {"fingerprint": fingerprint, "created": time.time()}
        self.save()
        return number
