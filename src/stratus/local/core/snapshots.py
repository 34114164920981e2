"""Snapshots: each service written since the last one is pickled by a forked copy of the
process, while the parent keeps serving.

`Snapshotter.take` makes the new journal segment and the pending manifest first (no lock),
then pauses writes (`DurableState.cut`: the write lock, so no moto write is half done)
only to switch the journal to the new segment and fork -- the child is a copy-on-write
image of that instant -- and lets writes go on. The child pickles each dirty service into
`snapshots/<service>.<generation>.pickle` (synced), reports the files on a pipe and exits;
the parent then names them in the manifest and deletes what it no longer names.

What the pause is, and how it was made short (timed inside it; `up` prints p50/p99/max of
the pause and of the fork's own CPU time when it stops; `python -m bench.state_journal`,
`make bench ARGS="--only state"`): nothing is pickled, listed or synced inside it (the new
segment and the pending manifest are written before it, the old segment closed after it);
the write in flight that the cut waits for takes ~0.1 ms; what is left is the fork, and
two things made it cheap:
- the kernel copies one page table entry per 4 KiB page of the parent (~80,000 for a
  320 MB cloud). Before the pause, the dense heap is collapsed into 2 MiB transparent huge
  pages (`core.hugepages`), one entry each; what stays in 4 KiB pages is what cannot be
  (CPython's scattered 256 KiB arenas, the unaligned ends of mappings);
- a new task preempts the one running when it is woken (EEVDF places it with an early
  deadline), so the child could take its parent's core while the parent still held the
  write lock. The child is born a SCHED_BATCH task (`_batch_policy`), which never preempts
  on wake-up: fork wall time p50 6.5 -> 2.7 ms over 30 interleaved forks of a 280 MB
  process on the loaded machine.
Measured, `make bench ARGS="--only state"` (a snapshot every 2 s while seeding, the shared
2-core machine at load average 10-12): before, writes paused p50 89.9 ms, max 900 ms, the
fork's CPU p50 11.0 ms, max 12.3 ms; after, p50 21-22 ms, max 70-225 ms, CPU p50 3.1-3.4
ms, max 4.1-4.3 ms. What remains above the CPU time is waiting for a core (at high
priority the pause is the CPU time: 3.4-4.7 ms). Chosen over the other ways: only the
dirty services are pickled already, and in the child, never in the pause; pickling in a
thread with short per-service locks pauses everything anyway (the C pickler keeps the
GIL: 290 ms for a 5,000-item table); `gc.freeze()` only spares copy-on-write in the child
(kept, around the fork); forking from a smaller process would need moto's state outside
this one; a longer scheduler slice for the forking thread (`sched_setattr` with a 30 ms
`sched_runtime`, Linux 6.12+) made it worse beside three CPU-bound processes (fork wall time
p50 17-18 -> 21-25 ms, a 250 MB heap). The child runs with its collector off, at nice 10.
Every pause is kept in `Stats.pauses`, its fork's CPU time in `Stats.fork_cpu`.
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stratus.local.core import hugepages
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
    last_collapse: hugepages.Collapse = field(default_factory=hugepages.Collapse)
    failures: int = 0
    pauses: collections.deque[float] = field(
        default_factory=lambda: collections.deque(maxlen=10_000)
    )
    fork_cpu: collections.deque[float] = field(  # of each pause, the fork's own CPU time
        default_factory=lambda: collections.deque(maxlen=10_000)
    )

    def pause_summary(self) -> dict[str, float]:
        """p50/p99/max of the write pauses so far, in ms, and p50/max of the forks' CPU time
        (the part that is ours; the rest is waiting for a core) (empty: no snapshot yet)."""
        ordered = sorted(self.pauses)
        if not ordered:
            return {}
        cpu = sorted(self.fork_cpu) or [0.0]
        return {
            "count": len(ordered),
            "p50_ms": round(ordered[len(ordered) // 2] * 1e3, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e3, 2),
            "max_ms": round(ordered[-1] * 1e3, 2),
            "fork_cpu_p50_ms": round(cpu[len(cpu) // 2] * 1e3, 2),
            "fork_cpu_max_ms": round(cpu[-1] * 1e3, 2),
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
        if not in_process and state.fork and state.huge_pages:
            # Before the pause, without the GIL: fewer page table entries for fork to copy.
            self.stats.last_collapse = hugepages.collapse_heap()
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
            self.stats.fork_cpu.append(self.stats.last_fork_cpu)
        log.info(
            "snapshot %d: %s; writes paused %.1f ms (fork %.1f ms, %.1f ms of it on a CPU), "
            "after %.1f ms waiting for the write in flight and %.0f ms collapsing %.0f MB "
            "into huge pages",
            generation,
            ", ".join(sorted(results)) or "nothing changed",
            stall * 1e3,
            self.stats.last_fork * 1e3,
            self.stats.last_fork_cpu * 1e3,
            self.stats.last_lock_wait * 1e3,
            self.stats.last_collapse.seconds * 1e3,
            self.stats.last_collapse.megabytes,
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
    with _batch_policy():  # the child is born a batch task: it cannot take its parent's core
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


@contextlib.contextmanager
def _batch_policy() -> Iterator[None]:
    """This thread as SCHED_BATCH for the fork, so the child inherits it. A new task that
    is not batch preempts the running one when it is woken (EEVDF places it with an early
    deadline), and that running one is the parent, holding the write lock until fork
    returns: measured, the fork's wall time p50 6.5 -> 2.7 ms on a loaded 2-core machine.
    Batch tasks "never preempt" on wake-up (https://man7.org/linux/man-pages/man7/sched.7.html);
    switching to SCHED_BATCH and back needs no privilege. Elsewhere: nothing changes."""
    parent = os.getpid()
    try:
        before = os.sched_getscheduler(0)
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    except (AttributeError, OSError):
        yield
        return
    try:
        yield
    finally:
        if os.getpid() == parent:  # the child stays a batch task (at nice 10), for good
            with contextlib.suppress(OSError):
                os.sched_setscheduler(0, before, os.sched_param(0))


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
