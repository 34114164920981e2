"""Durable state: no acknowledged write is lost, on `kill -9` or a power loss.

Design. moto keeps everything in memory, so the state is a write-ahead journal of the
mutating requests handed to moto plus periodic per-service snapshots:

- **Journal.** Every request that may change moto's state (not Get*/List*/Describe*/...) is
  applied to moto and appended to the journal under one write lock, so the journal's order
  is the order moto applied them; the response goes back only once the entry is on stable
  storage (`fdatasync`). A waiter syncs whatever was appended up to then, or waits for
  the sync under way (`core.journal`), so concurrent writes share one sync (group commit)
  and a burst costs about one sync per batch, not one per write. Reads take no lock and
  never cost a save; nor does a call that proved it changed nothing (an SQS ReceiveMessage
  that handed out no message, as an event source mapping polling an idle queue does every
  second): no entry, no snapshot due.
- **Exact replay.** Each entry records the request as received, a random seed and the wall
  clock; moto runs it with its random generator seeded and its clock frozen to them
  (`core.determinism`), on replay too, so SQS MessageIds, Cognito subs, S3 VersionIds and
  timestamps come back identical. Each entry also keeps a checksum of moto's answer and
  replay counts answers that differ (`Recovery.mismatches`; tests assert 0). Replay calls
  moto directly, past the hooks, with moto's event exits (S3 notifications, SNS
  subscriptions, EventBridge targets, Firehose delivery) silenced: events fired the first
  time are not fired again, and what they wrote back is in the journal as requests of its
  own. Our own direct changes to moto objects (`operation`/`mutate`) are journaled by name.
- **Snapshots.** At the first quiet moment (nothing journaled for `quiet_seconds`) after
  `snapshot_seconds` -- or, for a cloud that is never quiet, after `snapshot_records` entries
  or ten intervals -- the state forks:
  under the write lock the journal switches to a new segment and the process forks (a few
  ms: copy-on-write page tables); the child pickles each service touched since the last
  snapshot into its own file and exits, while the parent keeps serving. Then the manifest
  names the new files and segment and the old segment is deleted. Services not touched
  keep their previous file (incremental, per service).
- **Files that must agree** (physical ids, credentials, Lambda versions, outputs) are
  written whole at mutation time; each write is announced in the journal first, so at
  start each must hash to what the state says (`core.state_files`). A damaged snapshot,
  journal or file stops `up` before anything is written (`DamagedStateError`).

Rejected: pickling everything under a global pause (today's 1.5 s stalls, and `kill -9`
still lost the last 2 s); pickling without a pause and replaying the journal over the fuzzy
result (moto requests are not idempotent: a SendMessage replayed twice is two messages);
journaling moto's objects instead of requests (no generic way to find what one request
changed); one lock per service (moto writes across services -- SNS into SQS, Logs into
Kinesis -- so the journal order could differ from moto's, and under the GIL moto's pure
Python gains nothing from concurrent writes); sqlite or LMDB as the store (it would mean a
second model of every moto service). Known limits: a read may see a write whose sync is
still in flight (a few ms; its writer has not been answered yet); the few moto operations
that draw ids from `secrets` (Secrets Manager passwords) replay with new values.

Modules: `core.journal` (the segment file, group-committed fdatasync), `core.entries` (what
an entry is: requests, named operations), `core.replay` (checking the files and replaying
them at start), `core.snapshots` (the write pause, the forked writer), `core.manifest`
(which files make up the state), `core.state_files` (the files that must agree),
`core.pending` (deliveries accepted and not yet done). This module ties them together and
is the write path MotoApp calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratus.local.core import determinism
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.entries import (
    OPERATIONS,
    Answer,
    Execute,
    call_of,
    needs_journal,
    operation,
    request_entry,
    service_of,
)
from stratus.local.core.journal import JournalWriter, encode
from stratus.local.core.manifest import LEGACY_SNAPSHOT, MANIFEST, Manifest
from stratus.local.core.pending import PendingDeliveries
from stratus.local.core.pending import record as pending_record
from stratus.local.core.persistence import restore_bytes, set_file_tracker
from stratus.local.core.replay import (
    Checked,
    Recovery,
    load_snapshots,
    quiet_exits,
    replay_entry,
    verify,
)
from stratus.local.core.snapshots import Cut, Snapshotter, Stats
from stratus.local.core.state_files import DamagedStateError, TrackedFiles, sha256_bytes

__all__ = [
    "DurableState",
    "Recovery",
    "Stats",
    "Ticket",
    "active",
    "mutate",
    "needs_journal",
    "operation",
]

log = logging.getLogger("stratus.state")

UNCHANGED_WHEN_EMPTY = ("sqs", "ReceiveMessage")  # the call `ctx.unchanged` may skip

_active: DurableState | None = None


def active() -> DurableState | None:
    """The durable state in use (None: state is not saved, e.g. in unit tests)."""
    return _active


def mutate(name: str, **args: Any) -> Any:
    """Run a registered operation, journaled when state is durable (blocks until synced)."""
    state = _active
    if state is None:
        return OPERATIONS[name][0](**args)
    return state.apply_operation(name, args)


@dataclass(frozen=True)
class Ticket:
    """Where a journaled write is; `durable(ticket)` returns once it is synced."""

    writer: JournalWriter
    position: int


class DurableState:
    """Journal + snapshots for moto's state in `directory` (see the module docstring)."""

    def __init__(
        self,
        directory: Path,
        services: tuple[str, ...],
        *,
        tracked: list[Path] | None = None,
        sync: bool = True,
        snapshot_seconds: float = 30.0,
        snapshot_records: int = 10_000,
        quiet_seconds: float = 1.0,
        fork: bool = hasattr(os, "fork"),
        huge_pages: bool = True,
    ) -> None:
        self.directory = directory
        self.services = services
        self.state_dir = directory.parent
        self.files = TrackedFiles(self.state_dir, list(tracked or []))
        self.sync = sync
        self.snapshot_seconds = snapshot_seconds
        self.snapshot_records = snapshot_records
        self.quiet_seconds = quiet_seconds
        self._last_append = 0.0
        self.fork = fork
        self.huge_pages = huge_pages  # collapse the heap before forking (core.hugepages)
        self._lock = threading.Lock()  # the write lock: one mutation (or switch) at a time
        # Appending to the journal alone (file records) never waits for `_lock`: a moto call
        # may hold that lock while it waits for the event loop (a Cognito trigger runs a
        # Lambda), and the loop must never wait for it in turn. Order: _lock, then this.
        self._append_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._snapshotter = Snapshotter(self)
        self.manifest = Manifest()
        self._writer: JournalWriter | None = None
        self._dirty: set[str] = set()
        self._records = 0  # entries since the last snapshot
        self._last_snapshot = time.monotonic()
        self._file_hashes: dict[str, str | None] = {}
        self._checked: Checked | None = None
        self.deliveries = PendingDeliveries()

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    @property
    def stats(self) -> Stats:
        return self._snapshotter.stats

    # -- start -------------------------------------------------------------------------
    def check(self) -> None:
        """Check every state file before anything reads or writes them; raises
        DamagedStateError (naming the file) when one cannot be used. Writes nothing."""
        checked = verify(self.directory, self.state_dir)
        self._file_hashes = self.files.verify(checked.expected)
        self._checked = checked

    def open(self, execute: Execute) -> Recovery:
        """Load the snapshots and replay the journal into moto (after `check`); from then
        on the state is written. Raises DamagedStateError when a piece cannot be loaded."""
        began = time.perf_counter()
        recovery = Recovery()
        if self._checked is None:
            self.check()
        assert self._checked is not None
        manifest, segments = self._checked.manifest, self._checked.segments
        legacy = self.directory / LEGACY_SNAPSHOT
        recovery.restored = load_snapshots(self.directory, manifest, self.state_dir)
        if not manifest.journals and legacy.is_file():
            try:
                recovery.restored = restore_bytes(legacy.read_bytes(), strict=True)
            except Exception as exc:
                raise DamagedStateError(
                    legacy, f"is unreadable ({type(exc).__name__}: {exc})", self.state_dir
                ) from None
            recovery.legacy = True
            self._dirty.update(self.services)
        with quiet_exits():
            for _path, segment in segments:
                for entry in segment.entries:
                    if self.deliveries.replayed(entry):
                        continue  # a delivery's record: handed back to the outbox at start
                    mismatch, touched = replay_entry(entry, execute)
                    self._dirty.update(touched)
                    recovery.mismatches += mismatch
                    recovery.replayed += int(entry.get("k") != "file")
        recovery.undelivered = len(self.deliveries.outstanding())
        recovery.torn_bytes = segments[-1][1].torn_bytes if segments else 0
        # From here on the state is ours to write.
        self.manifest = manifest
        self._records = recovery.replayed
        self.directory.mkdir(parents=True, exist_ok=True)
        if segments:
            last_path, last = segments[-1]
            self._writer = JournalWriter(last_path, sync=self.sync, truncate_to=last.good_length)
        else:
            self._start_segment(manifest)
        global _active
        _active = self
        set_file_tracker(self)
        if recovery.legacy or not self.manifest_path.exists():
            self.manifest.files = dict(self._file_hashes)
            self.snapshot(in_process=True)  # the new format, before anyone can write
            if recovery.legacy:
                legacy.unlink(missing_ok=True)
        recovery.seconds = time.perf_counter() - began
        return recovery

    def _start_segment(self, manifest: Manifest) -> None:
        name = f"journal-{manifest.generation}.wal"
        self._writer = JournalWriter(self.directory / name, sync=self.sync)
        if name not in manifest.journals:
            manifest.journals.append(name)

    # -- the write path (MotoApp calls these) --------------------------------------------
    def journaled(self, request: AwsRequest) -> bool:
        return needs_journal(call_of(request))

    def answer_before_sync(self, request: AwsRequest) -> bool:
        """Whether the answer may go back before its journal entry is on disk.

        Only SQS ReceiveMessage: losing the tail of the journal in a crash then only makes a
        received message visible again, which SQS's at-least-once delivery allows
        (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html);
        a later write's sync covers it (the journal syncs in order). It keeps an fsync off
        the SQS -> Lambda path, where pollers receive after every send.
        """
        call = call_of(request)
        return (call.service, call.operation) == ("sqs", "ReceiveMessage")

    def apply(self, request: AwsRequest, execute: Execute) -> tuple[Answer, Ticket]:
        """Apply one mutating request to moto and journal it (not yet synced: `durable`)."""
        deadline: float | None = None
        final = False
        while True:
            with self._lock:
                seed, clock = secrets.randbits(63), time.time()
                with determinism.context(seed, clock, final=final) as ctx:
                    answer = execute(request)
                ticket = self._journal(request, seed, clock, ctx, answer)
            if ctx.retry_wait is None:
                return answer, ticket
            # An SQS long poll found nothing: wait outside the lock, then try again.
            queue, seconds = ctx.retry_wait
            if deadline is None:
                deadline = time.monotonic() + seconds
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                final = True
                continue
            queue.wait_for_messages(min(remaining, 1.0))

    def try_apply(
        self, request: AwsRequest, execute: Execute
    ) -> tuple[tuple[int, list[tuple[str, str]], bytes], Ticket] | None:
        """`apply` for a call that never waits (`motofast.inline`), run by the event loop:
        None, at once, when the write lock is taken (then `apply` it from a thread). moto
        runs with `final` set, so an empty receive answers empty instead of asking to wait."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            seed, clock = secrets.randbits(63), time.time()
            with determinism.context(seed, clock, final=True) as ctx:
                answer = execute(request)
            ticket = self._journal(request, seed, clock, ctx, answer)
        finally:
            self._lock.release()
        return answer, ticket

    def _journal(
        self,
        request: AwsRequest,
        seed: int,
        clock: float,
        ctx: determinism.Context,
        answer: Answer,
    ) -> Ticket:
        """Append the entry of a request moto just ran (under the write lock). A call that
        changed nothing (`ctx.unchanged`: an SQS receive that handed out no message) is not
        journaled and makes no snapshot due: its ticket is where the journal stands. Only
        ReceiveMessage itself: another request that receives inside moto may change more."""
        if ctx.unchanged and call_of(request).key == UNCHANGED_WHEN_EMPTY:
            assert self._writer is not None, "DurableState.open() first"
            return Ticket(self._writer, self._writer.size)
        entry = request_entry(request, seed, clock, ctx.inputs, answer)
        # Touched backends, and the one asked: moto also reaches backends without the
        # lookup that notes them (Cognito's region-agnostic operations).
        return self._append(entry, ctx.touched | service_of(request))

    def wait(self, ticket: Ticket) -> None:
        ticket.writer.wait(ticket.position)

    async def durable(self, ticket: Ticket) -> None:
        await ticket.writer.wait_async(ticket.position)

    def apply_operation(self, name: str, args: dict[str, Any]) -> Any:
        with self._lock:
            seed, clock = secrets.randbits(63), time.time()
            fn, services = OPERATIONS[name]
            with determinism.context(seed, clock) as ctx:
                result = fn(**args)
                ctx.touched.update(services)
            entry = {"k": "op", "name": name, "args": args, "seed": seed, "t": clock}
            ticket = self._append(entry, ctx.touched)
        self.wait(ticket)
        return result

    def before_file_write(self, path: Path, data: bytes | None) -> None:
        """A tracked file is about to be replaced (None: deleted): journal it first."""
        name = self.files.name_of(path)
        if name is None:
            return
        new = sha256_bytes(data) if data is not None else None
        with self._append_lock:
            prev = self._file_hashes.get(name)
            self._file_hashes[name] = new
            ticket = self._append_locked(
                {"k": "file", "name": name, "prev": prev, "new": new}, set()
            )
        self.wait(ticket)

    # -- deliveries under way (core.pending; the outbox calls these) ----------------------
    def delivery_accepted(self, kind: str, data: dict[str, Any]) -> tuple[str, Ticket]:
        """Journal a delivery about to run (not yet synced: `durable(ticket)`)."""
        return self.deliveries.add(kind, data, lambda entry: self._append(entry, set()))

    def delivery_done(self, token: str) -> None:
        self.deliveries.done(token, lambda entry: self._append(entry, set()))

    def tracks(self, path: Path) -> bool:
        return self.files.name_of(path) is not None

    def _append(self, entry: dict[str, Any], touched: set[str]) -> Ticket:
        with self._append_lock:
            return self._append_locked(entry, touched)

    def _append_locked(self, entry: dict[str, Any], touched: set[str]) -> Ticket:
        assert self._writer is not None, "DurableState.open() first"
        position = self._writer.append(encode(entry))
        self._dirty.update(touched)
        self._records += 1
        self._last_append = time.monotonic()
        return Ticket(self._writer, position)

    # -- snapshots (core.snapshots) -----------------------------------------------------
    async def run(self, poll_seconds: float = 1.0) -> None:
        """Background task: snapshot when enough was journaled (cancel it before close)."""
        while True:
            await asyncio.sleep(poll_seconds)
            if self._snapshot_due():
                try:
                    await asyncio.to_thread(self.snapshot)
                except Exception:
                    log.exception("snapshot failed; the journal keeps everything meanwhile")

    def _snapshot_due(self) -> bool:
        """A snapshot waits for a quiet moment: `snapshot_seconds` after the last one, once
        nothing was journaled for `quiet_seconds` (the fork's pause -- a few ms of page
        table copying, more on a busy machine -- then meets no write in flight). A cloud
        that is never quiet still snapshots after `snapshot_records` entries or ten
        intervals, which bounds what a restart after `kill -9` replays."""
        if not self._records:
            return False
        now = time.monotonic()
        age = now - self._last_snapshot
        if self._records >= self.snapshot_records or age >= 10 * self.snapshot_seconds:
            return True
        return age >= self.snapshot_seconds and now - self._last_append >= self.quiet_seconds

    def snapshot(self, *, in_process: bool = False) -> bool:
        """Save the touched services and start a new journal segment; True if saved."""
        with self._snapshot_lock:
            try:
                return self._snapshotter.take(in_process=in_process or not self.fork)
            finally:
                self._last_snapshot = time.monotonic()

    @contextlib.contextmanager
    def cut(self, new_writer: JournalWriter) -> Iterator[Cut]:
        """The write pause: no moto write runs inside it. The journal continues in
        `new_writer` (durable only after the old segment), and what was dirty is handed
        over."""
        with self._lock, self._append_lock:
            old = self._writer
            if old is not None:
                new_writer.follow(old, old.size)  # the old entries are durable first
            self._writer = new_writer
            dirty, self._dirty = self._dirty, set()
            for token, kind, data in self.deliveries.outstanding():  # carried past the cut
                self._append_locked(pending_record(token, kind, data), set())
            self._records = 0  # carried records alone do not make the next snapshot due
            yield Cut(old, dirty, dict(self._file_hashes))

    def unsaved(self, services: set[str]) -> None:
        """A snapshot of `services` failed: they stay dirty, and another one is due."""
        with self._lock, self._append_lock:
            self._dirty |= services
            self._records += 1

    # -- stop --------------------------------------------------------------------------
    def close(self, *, snapshot: bool = True) -> None:
        """A last snapshot (nothing else runs now), then close the journal. Tests pass
        snapshot=False to stop as a crash would."""
        global _active
        if self._writer is None:
            return
        try:
            if snapshot and self._records:
                self.snapshot(in_process=True)
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if _active is self:
                _active = None
                set_file_tracker(None)
