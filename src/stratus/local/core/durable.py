"""Durable state: no acknowledged write is lost, on `kill -9` or a power loss.

Design. moto keeps everything in memory, so the state is a write-ahead journal of the
mutating requests handed to moto plus periodic per-service snapshots:

- **Journal.** Every request that may change moto's state (not Get*/List*/Describe*/...) is
  applied to moto and appended to the journal under one write lock, so the journal's order
  is the order moto applied them; the response goes back only once the entry is on stable
  storage (`fdatasync`). One flusher thread syncs whatever was appended since its last sync,
  so concurrent writes share one sync (group commit) and a burst costs about one sync per
  batch, not one per write. Reads take no lock and never cost a save.
- **Exact replay.** Each entry records the request as received, a random seed and the wall
  clock; moto runs it with its random generator seeded and its clock frozen to them
  (`core.determinism`), on replay too, so SQS MessageIds, Cognito subs, S3 VersionIds and
  timestamps come back identical. Each entry also keeps a checksum of moto's answer and
  replay counts answers that differ (`Recovery.mismatches`; tests assert 0). Replay calls
  moto directly, past the hooks, with moto's event exits (S3 notifications, SNS
  subscriptions, EventBridge targets, Firehose delivery) silenced: events fired the first
  time are not fired again, and what they wrote back is in the journal as requests of its
  own. Our own direct changes to moto objects (`operation`/`mutate`) are journaled by name.
- **Snapshots.** Every `snapshot_seconds` (or `snapshot_records` entries), the state forks:
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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core import determinism
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.journal import (
    JournalDamaged,
    JournalWriter,
    encode,
    fsync_dir,
    read_segment,
)
from stratus.local.core.persistence import (
    _dump,
    _load,
    restore_bytes,
    set_file_tracker,
    write_atomic,
)
from stratus.local.core.state_files import (
    LEGACY_SNAPSHOT,
    MANIFEST,
    SNAPSHOTS,
    DamagedStateError,
    Manifest,
    TrackedFiles,
    sha256_bytes,
)

log = logging.getLogger("stratus.state")

Execute = Callable[[AwsRequest], tuple[int, list[tuple[str, str]], bytes]]
_OPERATIONS: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {}
_active: DurableState | None = None
# Operations whose names read like reads but that change moto's state.
_READ_NAMED_WRITES = {("cognito-identity", "GetId")}


def operation(
    name: str, services: tuple[str, ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a direct change of the moto `services`' objects, replayable by name: call
    it through `mutate(name, **args)` (plain, picklable arguments)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _OPERATIONS[name] = (fn, services)
        return fn

    return register


def mutate(name: str, **args: Any) -> Any:
    """Run a registered operation, journaled when state is durable (blocks until synced)."""
    state = _active
    if state is None:
        return _OPERATIONS[name][0](**args)
    return state.apply_operation(name, args)


def needs_journal(call: Any) -> bool:
    """Whether a routed request may change moto's state."""
    from stratus.local.core.call import is_read_operation

    if (call.service, call.operation) in _READ_NAMED_WRITES:
        return True
    if call.operation:
        return not is_read_operation(call.operation)
    return str(call.request.method) not in ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Ticket:
    """Where a journaled write is; `durable(ticket)` returns once it is synced."""

    writer: JournalWriter
    position: int


@dataclass
class Recovery:
    restored: list[str] = field(default_factory=list)  # services loaded from snapshots
    replayed: int = 0
    mismatches: int = 0  # replayed answers that differ from the first ones
    torn_bytes: int = 0  # an unacknowledged write cut short by the crash, dropped
    legacy: bool = False
    seconds: float = 0.0


@dataclass
class Stats:
    snapshots: int = 0
    longest_stall: float = 0.0  # seconds the write lock was held to switch and fork
    last_stall: float = 0.0
    failures: int = 0


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
        snapshot_records: int = 2000,
        fork: bool = hasattr(os, "fork"),
    ) -> None:
        self.directory = directory
        self.services = services
        self.state_dir = directory.parent
        self.files = TrackedFiles(self.state_dir, list(tracked or []))
        self.sync = sync
        self.snapshot_seconds = snapshot_seconds
        self.snapshot_records = snapshot_records
        self.fork = fork
        self.stats = Stats()
        self._lock = threading.Lock()  # the write lock: one mutation (or switch) at a time
        # Appending to the journal alone (file records) never waits for `_lock`: a moto call
        # may hold that lock while it waits for the event loop (a Cognito trigger runs a
        # Lambda), and the loop must never wait for it in turn. Order: _lock, then this.
        self._append_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._manifest = Manifest()
        self._writer: JournalWriter | None = None
        self._dirty: set[str] = set()
        self._records = 0  # entries since the last snapshot
        self._last_snapshot = time.monotonic()
        self._file_hashes: dict[str, str | None] = {}
        self._checked: tuple[Manifest, list[tuple[Path, Any]]] | None = None

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    # -- start -------------------------------------------------------------------------
    def check(self) -> None:
        """Check every state file before anything reads or writes them; raises
        DamagedStateError (naming the file) when one cannot be used. Writes nothing."""
        manifest, segments, expected = self._verify()
        self._file_hashes = self.files.verify(expected)
        self._checked = (manifest, segments)

    def open(self, execute: Execute) -> Recovery:
        """Load the snapshots and replay the journal into moto (after `check`); from then
        on the state is written. Raises DamagedStateError when a piece cannot be loaded."""
        began = time.perf_counter()
        recovery = Recovery()
        if self._checked is None:
            self.check()
        assert self._checked is not None
        manifest, segments = self._checked
        legacy = self.directory / LEGACY_SNAPSHOT
        for service, info in manifest.snapshots.items():
            path = self.directory / SNAPSHOTS / str(info["file"])
            try:
                _install_backends(service, _load(path.read_bytes()))
            except Exception as exc:
                raise DamagedStateError(path, f"cannot be loaded ({exc})", self.state_dir) from exc
            recovery.restored.append(service)
        if not manifest.journals and legacy.is_file():
            try:
                recovery.restored = restore_bytes(legacy.read_bytes(), strict=True)
            except Exception as exc:
                raise DamagedStateError(
                    legacy, f"is unreadable ({type(exc).__name__}: {exc})", self.state_dir
                ) from None
            recovery.legacy = True
            self._dirty.update(self.services)
        with _quiet_exits():
            for _path, segment in segments:
                for entry in segment.entries:
                    recovery.mismatches += self._replay(entry, execute)
                    recovery.replayed += int(entry.get("k") != "file")
        recovery.torn_bytes = segments[-1][1].torn_bytes if segments else 0
        # From here on the state is ours to write.
        self._manifest = manifest
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
            self._manifest.files = dict(self._file_hashes)
            self.snapshot(in_process=True)  # the new format, before anyone can write
            if recovery.legacy:
                legacy.unlink(missing_ok=True)
        recovery.seconds = time.perf_counter() - began
        return recovery

    def _verify(
        self,
    ) -> tuple[Manifest, list[tuple[Path, Any]], dict[str, set[str | None]]]:
        path = self.manifest_path
        if path.exists():
            manifest = Manifest.read(path, self.state_dir)
        else:
            strays = sorted(self.directory.glob("journal-*.wal"))
            strays += sorted((self.directory / SNAPSHOTS).glob("*.pickle"))
            if strays:
                raise DamagedStateError(
                    path, f"is missing, though {strays[0].name} is there", self.state_dir
                )
            manifest = Manifest()
        for service, info in manifest.snapshots.items():
            snap = self.directory / SNAPSHOTS / str(info.get("file"))
            try:
                data = snap.read_bytes()
            except OSError:
                raise DamagedStateError(snap, f"({service}) is missing", self.state_dir) from None
            if sha256_bytes(data) != info.get("sha256"):
                raise DamagedStateError(
                    snap, f"({service}) is damaged (its checksum does not match)", self.state_dir
                )
        expected: dict[str, set[str | None]] = {
            name: {digest} for name, digest in manifest.files.items()
        }
        segments: list[tuple[Path, Any]] = []
        for index, name in enumerate(manifest.journals):
            seg_path = self.directory / name
            if not seg_path.exists():
                if index == len(manifest.journals) - 1:
                    continue  # created by a snapshot that the crash interrupted
                raise DamagedStateError(seg_path, "is missing", self.state_dir)
            try:
                segment = read_segment(seg_path)
            except JournalDamaged as exc:
                raise DamagedStateError(
                    seg_path, f"is damaged ({exc.reason} at byte {exc.offset})", self.state_dir
                ) from None
            if segment.torn_bytes and index != len(manifest.journals) - 1:
                raise DamagedStateError(seg_path, "is cut short", self.state_dir)
            for entry in segment.entries:
                if entry.get("k") == "file":
                    expected[entry["name"]] = {entry["prev"], entry["new"]}
            segments.append((seg_path, segment))
        return manifest, segments, expected

    def _replay(self, entry: dict[str, Any], execute: Execute) -> int:
        kind = entry.get("k")
        if kind == "file":
            return 0  # checked against the file itself by `check`
        with determinism.context(
            entry["seed"], entry["t"], replaying=True, inputs=entry.get("in")
        ) as ctx:
            if kind == "op":
                fn, services = _OPERATIONS[entry["name"]]
                fn(**entry["args"])
                ctx.touched.update(services)
                answer = None
            else:
                request = _request(entry)
                answer = execute(request)
                ctx.touched |= _service_of(request)
        self._dirty.update(ctx.touched)
        check = entry.get("crc")
        if answer is None or check is None or _answer_check(answer) == check:
            return 0
        log.warning(
            "replayed %s %s %s answered differently than the first time",
            entry["m"],
            entry["p"],
            entry["h"].get("x-amz-target", ""),
        )
        log.debug("replayed answer: %r", answer)
        return 1

    # -- the write path (MotoApp calls these) --------------------------------------------
    def journaled(self, request: AwsRequest) -> bool:
        return needs_journal(_call_of(request))

    def answer_before_sync(self, request: AwsRequest) -> bool:
        """Whether the answer may go back before its journal entry is on disk.

        Only SQS ReceiveMessage: losing the tail of the journal in a crash then only makes a
        received message visible again, which SQS's at-least-once delivery allows
        (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html);
        a later write's sync covers it (the journal syncs in order). It keeps an fsync off
        the SQS -> Lambda path, where pollers receive after every send.
        """
        call = _call_of(request)
        return (call.service, call.operation) == ("sqs", "ReceiveMessage")

    def apply(
        self, request: AwsRequest, execute: Execute
    ) -> tuple[tuple[int, list[tuple[str, str]], bytes], Ticket]:
        """Apply one mutating request to moto and journal it (not yet synced: `durable`)."""
        deadline: float | None = None
        final = False
        while True:
            with self._lock:
                seed, clock = secrets.randbits(63), time.time()
                with determinism.context(seed, clock, final=final) as ctx:
                    answer = execute(request)
                entry = _request_entry(request, seed, clock, ctx.inputs, answer)
                # Touched backends, and the one asked: moto also reaches backends without
                # the lookup that notes them (Cognito's region-agnostic operations).
                ticket = self._append(entry, ctx.touched | _service_of(request))
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
        """`apply` on this thread if the write lock is free now, else None (never waits for
        it: the event loop calls this for short writes that never wait themselves)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            seed, clock = secrets.randbits(63), time.time()
            with determinism.context(seed, clock) as ctx:
                answer = execute(request)
            entry = _request_entry(request, seed, clock, ctx.inputs, answer)
            ticket = self._append(entry, ctx.touched | _service_of(request))
        finally:
            self._lock.release()
        return answer, ticket

    def wait(self, ticket: Ticket) -> None:
        ticket.writer.wait(ticket.position)

    async def durable(self, ticket: Ticket) -> None:
        await ticket.writer.wait_async(ticket.position)

    def apply_operation(self, name: str, args: dict[str, Any]) -> Any:
        with self._lock:
            seed, clock = secrets.randbits(63), time.time()
            fn, services = _OPERATIONS[name]
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
        return Ticket(self._writer, position)

    # -- snapshots ---------------------------------------------------------------------
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
        if not self._records:
            return False
        age = time.monotonic() - self._last_snapshot
        return self._records >= self.snapshot_records or age >= self.snapshot_seconds

    def snapshot(self, *, in_process: bool = False) -> bool:
        """Save the touched services and start a new journal segment; True if saved."""
        with self._snapshot_lock:
            return self._snapshot(in_process=in_process or not self.fork)

    def _snapshot(self, *, in_process: bool) -> bool:
        current = self._manifest
        generation = current.generation + 1
        segment = f"journal-{generation}.wal"
        new_writer = JournalWriter(self.directory / segment, sync=self.sync)
        pending = Manifest(
            generation, dict(current.snapshots), [*current.journals, segment], dict(current.files)
        )
        write_atomic(self.manifest_path, pending.to_json())
        (self.directory / SNAPSHOTS).mkdir(parents=True, exist_ok=True)
        child: tuple[int, int] | None = None
        results: dict[str, Any] = {}
        locked = time.perf_counter()
        with self._lock, self._append_lock:
            acquired = time.perf_counter()
            old = self._writer
            if old is not None:
                new_writer.follow(old, old.size)  # the old entries are durable first
            self._writer = new_writer
            dirty = {s for s in self._dirty if s in self.services}
            dirty |= {s for s in self.services if s not in current.snapshots}
            self._dirty = set()
            files = dict(self._file_hashes)
            self._records = 0
            backends = _backend_dicts(tuple(sorted(dirty)))
            if in_process:
                results = _write_snapshots(self.directory / SNAPSHOTS, backends, generation)
            else:
                child = _fork_snapshot(self.directory / SNAPSHOTS, backends, generation)
            stall = time.perf_counter() - acquired
        self._last_snapshot = time.monotonic()
        if old is not None:
            old.close()
        if child is not None:
            results = _child_results(*child)
        failed = {s: r for s, r in results.items() if "error" in r}
        if failed or (child is not None and not results and dirty):
            self.stats.failures += 1
            with self._lock, self._append_lock:
                self._dirty |= dirty
                self._records += 1
            self._manifest = pending
            log.warning("snapshot failed (%s); the journal keeps everything", failed or "no result")
            return False
        self.stats.snapshots += 1
        self.stats.last_stall = stall
        self.stats.longest_stall = max(self.stats.longest_stall, stall)
        log.info(
            "snapshot %d: %s in %.1f ms of write pause (%.1f ms waiting for the lock)",
            generation,
            ", ".join(sorted(results)) or "nothing changed",
            stall * 1e3,
            (acquired - locked) * 1e3,
        )
        done = Manifest(generation, {**current.snapshots, **results}, [segment], files)
        write_atomic(self.manifest_path, done.to_json())
        self._manifest = done
        self._remove_unreferenced(done)
        return True

    def _remove_unreferenced(self, manifest: Manifest) -> None:
        keep = {str(info["file"]) for info in manifest.snapshots.values()}
        for path in (self.directory / SNAPSHOTS).glob("*.pickle"):
            if path.name not in keep:
                path.unlink(missing_ok=True)
        for path in self.directory.glob("journal-*.wal"):
            if path.name not in manifest.journals:
                path.unlink(missing_ok=True)

    def _start_segment(self, manifest: Manifest) -> None:
        name = f"journal-{manifest.generation}.wal"
        self._writer = JournalWriter(self.directory / name, sync=self.sync)
        if name not in manifest.journals:
            manifest.journals.append(name)

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


# -- entries ----------------------------------------------------------------------------
def _call_of(request: AwsRequest) -> Any:
    from stratus.local.core.front_door import CURRENT_CALL
    from stratus.local.core.router import route

    call = CURRENT_CALL.get()
    if call is None or call.request is not request:
        call = route(request)
    return call


def _service_of(request: AwsRequest) -> set[str]:
    service = _call_of(request).service
    return {str(service)} if service else set()


def _request_entry(
    request: AwsRequest,
    seed: int,
    clock: float,
    inputs: dict[str, Any],
    answer: tuple[int, list[tuple[str, str]], bytes],
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "k": "req",
        "m": request.method,
        "p": request.path,
        "rp": request.raw_path,
        "q": request.query_string,
        "h": request.headers,
        "b": request.body,
        "c": request.client_host,
        "seed": seed,
        "t": clock,
        "crc": _answer_check(answer),
    }
    if inputs:
        entry["in"] = inputs
    return entry


def _request(entry: dict[str, Any]) -> AwsRequest:
    return AwsRequest(
        method=entry["m"],
        path=entry["p"],
        raw_path=entry["rp"],
        query_string=entry["q"],
        headers=dict(entry["h"]),
        body=entry["b"],
        client_host=entry["c"],
    )


def _answer_check(answer: tuple[int, list[tuple[str, str]], bytes]) -> int:
    """A checksum of moto's answer: status, headers (x-amz-version-id, ETag...), body."""
    status, headers, body = answer
    named = "\n".join(f"{k.lower()}:{v}" for k, v in headers if k.lower() != "date")
    return zlib.crc32(body, zlib.crc32(named.encode(), status))


# -- snapshot files ---------------------------------------------------------------------
def _backend_dicts(services: tuple[str, ...]) -> dict[str, Any]:
    from moto.backends import get_backend

    return {service: get_backend(service) for service in services}  # type: ignore[call-overload]


def _install_backends(service: str, data: dict[str, dict[str, Any]]) -> None:
    from moto.backends import get_backend

    backend_dict = get_backend(service)  # type: ignore[call-overload]
    for account, regions in data.items():
        account_backends = backend_dict[account]
        for region, backend in regions.items():
            # dict.__setitem__: AccountSpecificBackend would otherwise build a fresh one.
            dict.__setitem__(account_backends, region, backend)


def _write_snapshots(
    directory: Path, backends: dict[str, Any], generation: int
) -> dict[str, dict[str, Any]]:
    """Pickle each service to `<service>.<generation>.pickle` (synced); returns file info."""
    results: dict[str, dict[str, Any]] = {}
    for service, backend_dict in backends.items():
        try:
            data = {acct: dict(regions) for acct, regions in backend_dict.items() if regions}
            blob = _dump(data)
        except Exception as exc:
            results[service] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        name = f"{service}.{generation}.pickle"
        fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        results[service] = {"file": name, "sha256": sha256_bytes(blob), "size": len(blob)}
    if results:
        fsync_dir(directory)
    return results


def _fork_snapshot(directory: Path, backends: dict[str, Any], generation: int) -> tuple[int, int]:
    """Fork; the child writes the snapshot of this instant and reports on a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one thread, a copy-on-write image of this instant
        code = 1
        try:
            os.close(read_end)
            with contextlib.suppress(Exception):
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.set_wakeup_fd(-1)
            results = _write_snapshots(directory, backends, generation)
            payload = json.dumps(results).encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _child_results(pid: int, read_end: int) -> dict[str, Any]:
    chunks = []
    try:
        while chunk := os.read(read_end, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not chunks:
        return {"*": {"error": f"snapshot process exited with status {status}"}}
    results: dict[str, Any] = json.loads(b"".join(chunks))
    return results


@contextlib.contextmanager
def _quiet_exits() -> Iterator[None]:
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
