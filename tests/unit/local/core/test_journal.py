"""The journal segment: preallocated zeros ahead of the records, and what recovery makes of
the tails a crash can leave (a torn record, zeros, damage followed by whole records)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from stratus.local.core import journal
from stratus.local.core.journal import (
    MAGIC,
    PREALLOCATE,
    JournalDamaged,
    JournalWriter,
    encode,
    read_segment,
)


def _write(path: Path, entries: list[object], **options: object) -> JournalWriter:
    writer = JournalWriter(path, **options)  # type: ignore[arg-type]
    for entry in entries:
        writer.wait(writer.append(encode(entry)))
    return writer


def _crash(writer: JournalWriter) -> None:
    """Stop the flusher and drop the descriptor without trimming: what kill -9 leaves."""
    with writer._cond:
        writer._closing = True
        writer._wake_flusher.notify()
    writer._thread.join()
    os.close(writer._fd)


def test_records_overwrite_preallocated_zeros(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": i} for i in range(3)])
    assert path.stat().st_size >= writer.size + PREALLOCATE // 2  # zeros ahead, not appended
    data = path.read_bytes()
    assert data.startswith(MAGIC) and not data[writer.size :].strip(b"\0")
    _crash(writer)
    segment = read_segment(path)
    assert segment.entries == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert (segment.good_length, segment.torn_bytes) == (writer.size, 0)


def test_a_sync_after_the_first_leaves_the_file_size_alone(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": 0}])
    size = path.stat().st_size
    for i in range(20):
        writer.wait(writer.append(encode({"n": i, "pad": "x" * 100})))
    assert path.stat().st_size == size  # data-only syncs: no new size to commit
    writer.close()


def test_a_record_torn_in_the_zeros_is_dropped_and_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": 0}, {"n": 1}])
    good = writer.size
    _crash(writer)
    record = encode({"n": 2, "pad": "y" * 200})
    with path.open("r+b") as fh:  # the crash came while the third record was half written
        fh.seek(good)
        fh.write(record[: len(record) // 2])
    segment = read_segment(path)
    assert segment.entries == [{"n": 0}, {"n": 1}]
    assert segment.good_length == good and 0 < segment.torn_bytes <= len(record) // 2

    writer = _write(path, [{"n": 3}], truncate_to=segment.good_length)
    _crash(writer)
    assert read_segment(path).entries == [{"n": 0}, {"n": 1}, {"n": 3}]


def test_a_torn_header_alone_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": 0}])
    good = writer.size
    _crash(writer)
    with path.open("r+b") as fh:
        fh.seek(good)
        fh.write(b"\x40\x01\x07")  # three bytes of a length
    segment = read_segment(path)
    assert (segment.entries, segment.good_length, segment.torn_bytes) == ([{"n": 0}], good, 3)


def test_a_bad_checksum_on_the_last_record_is_a_torn_write(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": 0}, {"n": 1}])
    _crash(writer)
    data = bytearray(path.read_bytes())
    data[writer.size - 2] ^= 0xFF  # inside the last payload
    path.write_bytes(bytes(data))
    segment = read_segment(path)
    assert segment.entries == [{"n": 0}]
    assert segment.torn_bytes > 0


def test_damage_followed_by_whole_records_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": i} for i in range(3)])
    _crash(writer)
    data = bytearray(path.read_bytes())
    data[len(MAGIC) + 12] ^= 0xFF  # inside the first payload; two whole records follow
    path.write_bytes(bytes(data))
    with pytest.raises(JournalDamaged) as caught:
        read_segment(path)
    assert caught.value.offset == len(MAGIC)


def test_reopening_without_a_cut_continues_after_the_records(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": 0}])
    _crash(writer)
    writer = _write(path, [{"n": 1}])
    _crash(writer)
    assert read_segment(path).entries == [{"n": 0}, {"n": 1}]


def test_close_trims_the_zeros(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = _write(path, [{"n": 0}, {"n": 1}])
    writer.close()
    assert path.stat().st_size == writer.size
    segment = read_segment(path)
    assert (len(segment.entries), segment.torn_bytes) == (2, 0)


def test_a_burst_past_the_zeros_grows_the_file_and_zeros_come_ahead_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal-1.wal"
    writer = JournalWriter(path)
    big = encode({"blob": os.urandom(PREALLOCATE // 3)})
    positions = [writer.append(big) for _ in range(5)]  # no sync in between: past the zeros
    writer.wait(positions[-1])
    writer.wait(writer.append(encode({"n": "last"})))
    deadline = time.monotonic() + 5  # the flusher writes the zeros after the sync, off the path
    while writer.allocated - writer.size < PREALLOCATE // 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert writer.allocated - writer.size >= PREALLOCATE // 2
    _crash(writer)
    entries = read_segment(path).entries
    assert len(entries) == 6 and entries[-1] == {"n": "last"}


def test_concurrent_writers_share_syncs_and_all_wait_for_theirs(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = JournalWriter(path)
    count = 40

    async def main() -> None:
        async def one(i: int) -> None:
            position = writer.append(encode({"n": i}))
            await writer.wait_async(position)
            assert writer._durable >= position

        await asyncio.gather(*(one(i) for i in range(count)))

    asyncio.run(main())
    assert writer.syncs < count
    _crash(writer)
    assert sorted(e["n"] for e in read_segment(path).entries) == list(range(count))


def test_a_segment_cut_just_after_its_header_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    path.write_bytes(MAGIC + bytes(PREALLOCATE))
    segment = read_segment(path)
    assert (segment.entries, segment.good_length, segment.torn_bytes) == ([], len(MAGIC), 0)


def test_threads_appending_keep_every_record_whole(tmp_path: Path) -> None:
    path = tmp_path / "journal-1.wal"
    writer = JournalWriter(path)

    def worker(t: int) -> None:
        for i in range(50):
            writer.wait(writer.append(encode({"t": t, "i": i, "pad": "z" * (i * 37)})))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    entries = read_segment(path).entries
    assert sorted((e["t"], e["i"]) for e in entries) == [
        (t, i) for t in range(4) for i in range(50)
    ]


def _syncs_by_thread(monkeypatch: pytest.MonkeyPatch, delay_s: float = 0.0) -> list[str]:
    """Record which thread makes each data sync: a disk that syncs at once (`delay_s` 0,
    the test machine's own disk may not) or a slow one that takes `delay_s`."""
    names: list[str] = []

    def recorded(fd: int) -> None:
        if delay_s:
            time.sleep(delay_s)
        names.append(threading.current_thread().name)

    monkeypatch.setattr(journal, "_datasync", recorded)
    return names


def test_an_event_loop_waiter_syncs_itself_while_the_disk_is_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = JournalWriter(tmp_path / "journal-1.wal")
    names = _syncs_by_thread(monkeypatch)

    async def main() -> None:
        for i in range(20):
            await writer.wait_async(writer.append(encode({"n": i})))

    asyncio.run(main())
    writer.close()
    assert names and set(names) == {"MainThread"}  # no hop to the flusher and back
    assert len(read_segment(writer.path).entries) == 20


def test_a_slow_disk_is_left_to_the_flusher_so_the_loop_keeps_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = JournalWriter(tmp_path / "journal-1.wal")
    names = _syncs_by_thread(monkeypatch, delay_s=20 * journal.INLINE_SYNC_LIMIT_S)
    ticks = 0

    async def main() -> None:
        nonlocal ticks
        for i in range(3):  # the loop learns that syncs are slow
            await writer.wait_async(writer.append(encode({"n": i})))
        ticks = 0
        ticker = asyncio.ensure_future(_tick())
        await writer.wait_async(writer.append(encode({"n": "slow"})))
        ticker.cancel()

    async def _tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    asyncio.run(main())
    writer.close()
    assert names[0] == "MainThread"  # not known to be slow yet
    assert names[-1] == "stratus-journal"
    assert ticks > 1  # the loop ran other work while the flusher synced


def test_a_record_no_one_waits_for_is_synced_soon_all_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = JournalWriter(tmp_path / "journal-1.wal")
    names = _syncs_by_thread(monkeypatch)
    position = writer.append(encode({"n": "unwaited"}))  # as an SQS receive's entry is
    deadline = time.monotonic() + 20 * journal.LAZY_SYNC_S
    while writer._durable < position and time.monotonic() < deadline:
        time.sleep(0.005)
    assert writer._durable >= position and names == ["stratus-journal"]
    writer.close()
