"""Snapshots: each service written since the last one is pickled by a forked copy of the
process, while the parent keeps serving.

`Snapshotter.take` makes the new journal segment and the pending manifest first (no lock),
then pauses writes (`DurableState.cut`: the write lock, so no moto write is half done)
only to switch the journal to the new segment and fork -- the child is a copy-on-write
image of that instant -- and lets writes go on. The child pickles each dirty service into
`snapshots/<service>.<generation>.pickle` (synced), reports the files on a pipe and exits;
the parent then names them in the manifest and deletes what it no longer names.

What the pause is (timed inside it, `python -m bench.state_journal`, 2 cores): the fork
alone -- the kernel copying the page tables of the process, ~7 ms of CPU at 280 MB
resident (4-8 ms of wall time on an idle machine, 3 to 6 times that when the cores are
oversubscribed) -- and nothing else: the write in flight that the cut waits for takes
~0.1 ms, nothing is pickled, listed or synced inside the pause (the new segment and the
pending manifest are written before it, the old segment closed after it), and keeping
the GIL through it (a long switch interval) measured no better. Around the pause,
`gc.freeze()` keeps the heap out of the parent's collections while the child runs (so
neither process copies every page for a collection), and the child runs with its
collector off at a lower CPU priority, so it competes less with requests. Every pause is
kept in `Stats.pauses` and summed up when `up` stops.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import json
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stratus.local.core.journal import JournalWriter, fsync_dir
from stratus.local.core.manifest import MANIFEST, SNAPSHOTS, Manifest, remove_unreferenced
from stratus.local.core.persistence import _dump, write_atomic
from stratus.local.core.state_files import sha256_bytes

if TYPE_CHECKING:
    from stratus.local.core.durable import DurableState

log = logging.getLogger("stratus.state")

CHILD_NICE = 10  # the snapshot process yields the CPU to requests (2 cores, busy ones)


@dataclass
class Stats:
    snapshots: int = 0
    longest_stall: float = 0.0  # seconds writes were paused (switch + fork)
    last_stall: float = 0.0
    last_lock_wait: float = 0.0  # waiting for the write in flight to finish (no pause)
    last_fork: float = 0.0  # of last_stall, the fork itself
    last_fork_cpu: float = 0.0  # the fork's own CPU time (the rest: waiting for a core)
    failures: int = 0
    pauses: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=10_000)
    )

    def pause_summary(self) -> dict[str, float]:
        """p50/p99/max of the write pauses so far, in ms (empty: no snapshot yet)."""
        ordered = sorted(self.pauses)
        if not ordered:
            return {}
        return {
            "count": len(ordered),
            "p50_ms": round(ordered[len(ordered) // 2] * 1e3, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e3, 2),
            "max_ms": round(ordered[-1] * 1e3, 2),
        }


class Snapshotter:
    """Takes the snapshots of one `DurableState` (see the module docstring)."""

    def __init__(self, state: DurableState) -> None:
        self.state = state
        self.stats = Stats()

    def take(self, *, in_process: bool) -> bool:
        """Save the dirty services and start a new journal segment; True if saved."""
        state = self.state
        directory = state.directory
        current = state.manifest
        generation = current.generation + 1
        segment = f"journal-{generation}.wal"
        new_writer = JournalWriter(directory / segment, sync=state.sync)
        pending = Manifest(
            generation, dict(current.snapshots), [*current.journals, segment], dict(current.files)
        )
        write_atomic(directory / MANIFEST, pending.to_json())
        (directory / SNAPSHOTS).mkdir(parents=True, exist_ok=True)
        every = backend_dicts(state.services)  # before the pause: imports, lookups
        child: tuple[int, int] | None = None
        results: dict[str, Any] = {}
        frozen = False
        began = time.perf_counter()
        with state.cut(new_writer) as cut:
            acquired = time.perf_counter()
            dirty = {s for s in cut.dirty if s in state.services}
            dirty |= {s for s in state.services if s not in current.snapshots}
            backends = {s: every[s] for s in sorted(dirty)}
            if in_process:
                results = write_snapshots(directory / SNAPSHOTS, backends, generation)
            else:
                gc.freeze()  # O(1): the heap becomes the permanent generation
                frozen = True
                forking, forking_cpu = time.perf_counter(), time.thread_time()
                child = fork_snapshot(directory / SNAPSHOTS, backends, generation)
                self.stats.last_fork = time.perf_counter() - forking
                self.stats.last_fork_cpu = time.thread_time() - forking_cpu
            stall = time.perf_counter() - acquired
        self.stats.last_lock_wait = acquired - began
        if cut.old is not None:
            cut.old.close()
        try:
            if child is not None:
                results = child_results(*child)
        finally:
            if frozen:
                gc.unfreeze()
        failed = {s: r for s, r in results.items() if "error" in r}
        if failed or (child is not None and not results and dirty):
            self.stats.failures += 1
            state.unsaved(dirty)
            state.manifest = pending
            log.warning("snapshot failed (%s); the journal keeps everything", failed or "no result")
            return False
        self.stats.snapshots += 1
        self.stats.last_stall = stall
        self.stats.longest_stall = max(self.stats.longest_stall, stall)
        if not in_process:
            self.stats.pauses.append(stall)
        log.info(
            "snapshot %d: %s; writes paused %.1f ms (fork %.1f ms, %.1f ms of it on a CPU), "
            "after %.1f ms waiting for the write in flight",
            generation,
            ", ".join(sorted(results)) or "nothing changed",
            stall * 1e3,
            self.stats.last_fork * 1e3,
            self.stats.last_fork_cpu * 1e3,
            self.stats.last_lock_wait * 1e3,
        )
        done = Manifest(generation, {**current.snapshots, **results}, [segment], cut.files)
        write_atomic(directory / MANIFEST, done.to_json())
        state.manifest = done
        remove_unreferenced(directory, done)
        return True


@dataclass
class Cut:
    """What the write pause hands the snapshot: the old segment, the services written
    since the last snapshot, the tracked files' hashes at that instant."""

    old: JournalWriter | None
    dirty: set[str]
    files: dict[str, str | None]


def backend_dicts(services: tuple[str, ...]) -> dict[str, Any]:
    from moto.backends import get_backend

    return {service: get_backend(service) for service in services}  # type: ignore[call-overload]


def write_snapshots(
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


def fork_snapshot(directory: Path, backends: dict[str, Any], generation: int) -> tuple[int, int]:
    """Fork; the child writes the snapshot of this instant and reports on a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one thread, a copy-on-write image of this instant
        code = 1
        try:
            os.close(read_end)
            gc.disable()  # a collection would touch (and copy) every page of the heap
            with contextlib.suppress(Exception):
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.set_wakeup_fd(-1)
                os.nice(CHILD_NICE)
            results = write_snapshots(directory, backends, generation)
            payload = json.dumps(results).encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def child_results(pid: int, read_end: int) -> dict[str, Any]:
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
