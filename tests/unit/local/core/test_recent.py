"""The console's recent-request log: bounded per key, newest first, a bounded number of
keys, and per-minute hit/miss counts over the last hour in fixed memory."""

from __future__ import annotations

import threading

from stratus.local.core.recent import MinuteWheel, RecentLog

T0 = 1_795_000_040.0  # 20 s into a minute


def test_ring_buffer_keeps_the_newest_entries_newest_first() -> None:
    log: RecentLog[int] = RecentLog(size=3)
    for n in range(5):
        log.record("api", n, T0)
    assert log.entries("api") == [4, 3, 2]
    assert log.entries("api", limit=2) == [4, 3]
    assert log.entries("other") == []


def test_the_oldest_key_goes_when_there_are_too_many() -> None:
    log: RecentLog[str] = RecentLog(size=2, max_keys=2)
    for key in ("a", "b", "c"):
        log.record(key, key, T0)
    assert log.entries("a") == [] and log.entries("c") == ["c"]


def test_minutes_are_bucketed_and_ratios_computed() -> None:
    wheel = MinuteWheel(60)
    wheel.add(T0, True)
    wheel.add(T0 + 10, False)
    wheel.add(T0 + 30, True)  # 50 s: still the same minute
    wheel.add(T0 + 45, None)  # the next minute: a request with no cache lookup
    series = wheel.series(T0 + 45, minutes=3)
    assert [b.start for b in series] == [
        (int(T0 // 60) - 1) * 60.0,
        int(T0 // 60) * 60.0,
        (int(T0 // 60) + 1) * 60.0,
    ]
    assert [(b.requests, b.hits, b.misses) for b in series] == [(0, 0, 0), (3, 2, 1), (1, 0, 0)]
    assert series[1].ratio == 2 / 3
    assert series[0].ratio is None and series[2].ratio is None


def test_a_minute_older_than_the_wheel_is_forgotten_not_added_to() -> None:
    wheel = MinuteWheel(60)
    wheel.add(T0, True)
    wheel.add(T0 + 3600, False)  # same slot, an hour later
    [now] = wheel.series(T0 + 3600, minutes=1)
    assert (now.hits, now.misses) == (0, 1)
    assert sum(b.requests for b in wheel.series(T0 + 3600)) == 1


def test_series_of_an_unknown_key_is_all_empty() -> None:
    log: RecentLog[int] = RecentLog()
    series = log.series("nothing", T0)
    assert len(series) == 60 and all(b.requests == 0 for b in series)


def test_recording_from_threads_loses_nothing() -> None:
    log: RecentLog[int] = RecentLog(size=10_000)

    def work() -> None:
        for n in range(1000):
            log.record("k", n, T0, n % 2 == 0)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(log.entries("k")) == 4000
    [minute] = log.series("k", T0, minutes=1)
    assert (minute.requests, minute.hits, minute.misses) == (4000, 2000, 2000)
