"""What each resource and stack became last time (`state/physical_ids.json`).

Per resource ("Stack/Logical"): type, property hash, physical id, attributes, and what
deleting it later needs once the template no longer says: its resolved properties, the
logical ids it depended on (reverse dependency order), its DeletionPolicy and
UpdateReplacePolicy, region and account. Per stack (under the reserved key "#stacks"): its
region, account, id, creation / update times and the stacks it depended on.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic

log = logging.getLogger("stratus.provision")

STACKS_KEY = "#stacks"


class PhysicalIdStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._records: dict[str, dict[str, Any]] = {}
        self._stacks: dict[str, dict[str, Any]] = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text())
            except ValueError:
                log.warning("ignoring unreadable %s", path)
                data = {}
            self._stacks = dict(data.pop(STACKS_KEY, None) or {})
            self._records = {k: v for k, v in data.items() if isinstance(v, dict)}

    # -- resources ----------------------------------------------------------------------
    def get(self, key: str) -> dict[str, Any] | None:
        return self._records.get(key)

    def put(self, key: str, record: dict[str, Any]) -> None:
        self._records[key] = record

    def forget(self, key: str) -> None:
        self._records.pop(key, None)

    def logical_ids(self, stack: str) -> list[str]:
        """Logical ids recorded for a stack (in recording order)."""
        prefix = f"{stack}/"
        return [k[len(prefix) :] for k in self._records if k.startswith(prefix)]

    # -- stacks -------------------------------------------------------------------------
    def stack(self, name: str) -> dict[str, Any] | None:
        return self._stacks.get(name)

    def put_stack(self, name: str, record: dict[str, Any]) -> None:
        self._stacks[name] = record

    def forget_stack(self, name: str) -> None:
        self._stacks.pop(name, None)
        for logical_id in self.logical_ids(name):
            self.forget(f"{name}/{logical_id}")

    def stack_names(self) -> list[str]:
        """Every stack with a record or with recorded resources."""
        names = dict.fromkeys(self._stacks)
        for key in self._records:
            names.setdefault(key.split("/", 1)[0])
        return list(names)

    def save(self) -> None:
        data: dict[str, Any] = {**self._records, STACKS_KEY: self._stacks}
        write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True, default=str).encode())
