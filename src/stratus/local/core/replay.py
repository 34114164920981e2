"""Start: check every state file, then load the snapshots and replay the journal into moto.

`verify` reads the manifest, checks each snapshot's checksum and reads each journal segment
(a torn tail of the last one is an unacknowledged write, dropped; damage anywhere else is a
`DamagedStateError`), and collects the hashes each tracked file may have. Nothing is
written. `load_snapshots` installs the pickled backends; `replay_entry` runs one journal
entry as the first time: moto's random generator seeded and its clock frozen to what the
entry recorded (`core.determinism`), so ids and timestamps come back identical, and its
answer compared with the first one's checksum. Replay calls moto directly, past the hooks,
with moto's event exits (S3 notifications, SNS subscriptions, EventBridge targets, Firehose
delivery) silenced (`quiet_exits`): events fired the first time are not fired again, and
what they wrote back is in the journal as requests of its own.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core import determinism
from stratus.local.core.entries import (
    OPERATIONS,
    Execute,
    answer_check,
    request_of,
    service_of,
)
from stratus.local.core.journal import JournalDamaged, Segment, read_segment
from stratus.local.core.manifest import MANIFEST, SNAPSHOTS, Manifest
from stratus.local.core.persistence import _load
from stratus.local.core.state_files import DamagedStateError, sha256_bytes

log = logging.getLogger("stratus.state")


@dataclass
class Recovery:
    restored: list[str] = field(default_factory=list)  # services loaded from snapshots
    replayed: int = 0
    mismatches: int = 0  # replayed answers that differ from the first ones
    torn_bytes: int = 0  # an unacknowledged write cut short by the crash, dropped
    legacy: bool = False
    seconds: float = 0.0
    undelivered: int = 0  # deliveries accepted before the stop and not done: run again


@dataclass
class Checked:
    """What `verify` found: the manifest, the segments to replay, each tracked file's
    allowed hashes."""

    manifest: Manifest
    segments: list[tuple[Path, Segment]]
    expected: dict[str, set[str | None]]


def verify(directory: Path, state_dir: Path) -> Checked:
    """Check the manifest, the snapshots and the journal of `directory`; writes nothing."""
    path = directory / MANIFEST
    if path.exists():
        manifest = Manifest.read(path, state_dir)
    else:
        strays = sorted(directory.glob("journal-*.wal"))
        strays += sorted((directory / SNAPSHOTS).glob("*.pickle"))
        if strays:
            raise DamagedStateError(
                path, f"is missing, though {strays[0].name} is there", state_dir
            )
        manifest = Manifest()
    for service, info in manifest.snapshots.items():
        snap = directory / SNAPSHOTS / str(info.get("file"))
        try:
            data = snap.read_bytes()
        except OSError:
            raise DamagedStateError(snap, f"({service}) is missing", state_dir) from None
        if sha256_bytes(data) != info.get("sha256"):
            raise DamagedStateError(
                snap, f"({service}) is damaged (its checksum does not match)", state_dir
            )
    expected: dict[str, set[str | None]] = {
        name: {digest} for name, digest in manifest.files.items()
    }
    segments: list[tuple[Path, Segment]] = []
    for index, name in enumerate(manifest.journals):
        seg_path = directory / name
        if not seg_path.exists():
            if index == len(manifest.journals) - 1:
                continue  # created by a snapshot that the crash interrupted
            raise DamagedStateError(seg_path, "is missing", state_dir)
        try:
            segment = read_segment(seg_path)
        except JournalDamaged as exc:
            raise DamagedStateError(
                seg_path, f"is damaged ({exc.reason} at byte {exc.offset})", state_dir
            ) from None
        if segment.torn_bytes and index != len(manifest.journals) - 1:
            raise DamagedStateError(seg_path, "is cut short", state_dir)
        for entry in segment.entries:
            if entry.get("k") == "file":
                expected[entry["name"]] = {entry["prev"], entry["new"]}
        segments.append((seg_path, segment))
    return Checked(manifest, segments, expected)


def load_snapshots(directory: Path, manifest: Manifest, state_dir: Path) -> list[str]:
    """Install each service's snapshot into moto; returns the services restored."""
    restored = []
    for service, info in manifest.snapshots.items():
        path = directory / SNAPSHOTS / str(info["file"])
        try:
            install_backends(service, _load(path.read_bytes()))
        except Exception as exc:
            raise DamagedStateError(path, f"cannot be loaded ({exc})", state_dir) from exc
        restored.append(service)
    return restored


def replay_entry(entry: dict[str, Any], execute: Execute) -> tuple[int, set[str]]:
    """Run one journal entry again; (1 if moto answered differently, services touched)."""
    kind = entry.get("k")
    if kind == "file":
        return 0, set()  # checked against the file itself by `verify`
    with determinism.context(
        entry["seed"], entry["t"], replaying=True, inputs=entry.get("in")
    ) as ctx:
        if kind == "op":
            fn, services = OPERATIONS[entry["name"]]
            fn(**entry["args"])
            ctx.touched.update(services)
            answer = None
        else:
            request = request_of(entry)
            answer = execute(request)
            ctx.touched |= service_of(request)
    check = entry.get("crc")
    if answer is None or check is None or answer_check(answer) == check:
        return 0, set(ctx.touched)
    log.warning(
        "replayed %s %s %s answered differently than the first time",
        entry["m"],
        entry["p"],
        entry["h"].get("x-amz-target", ""),
    )
    log.debug("replayed answer: %r", answer)
    return 1, set(ctx.touched)


def install_backends(service: str, data: dict[str, dict[str, Any]]) -> None:
    from moto.backends import get_backend

    backend_dict = get_backend(service)  # type: ignore[call-overload]
    for account, regions in data.items():
        account_backends = backend_dict[account]
        for region, backend in regions.items():
            # dict.__setitem__: AccountSpecificBackend would otherwise build a fresh one.
            dict.__setitem__(account_backends, region, backend)


@contextlib.contextmanager
def quiet_exits() -> Iterator[None]:
    """While replaying: moto's ways out to events do nothing (they fired the first time)."""
    from moto.events.models import Rule
    from moto.firehose.models import FirehoseBackend
    from moto.moto_api._internal import mock_random
    from moto.s3 import notifications
    from moto.sns.models import Subscription

    def quiet(*args: Any, **kwargs: Any) -> None:
        return None

    def firehose_records(self: Any, name: str, version: str, dest: Any, records: Any) -> Any:
        return [{"RecordId": str(mock_random.uuid4())} for _ in records]

    patches = [
        (notifications, "send_event", quiet),
        (Subscription, "publish", quiet),
        (Rule, "send_to_targets", quiet),
        (FirehoseBackend, "put_s3_records", firehose_records),
    ]
    saved = [(owner, name, owner.__dict__.get(name)) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    try:
        yield
    finally:
        for owner, name, original in saved:
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
