"""Concurrent users on the to-do API: each user its own thread, connection and ID token.

Shared by the load test (tests/load/test_fifty_users.py) and `make bench` (bench/loadrun.py).
Each user runs a fixed mix — 9 `GET /todos` to 1 `POST /todos` — until a deadline or a
per-user count, whichever comes first, so a run is bounded in time and in requests. Traffic
goes only to the origin it is given (the local cloud's gateway on 127.0.0.1).

Every request is recorded: its latency, its status (or the transport error that stood in for
one). A one-request warm-up per user (untimed, its statuses kept apart) opens each
connection and wakes the functions before the clock starts.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

WRITE_EVERY = 10  # one write in ten requests: 9 reads : 1 write
REQUEST_TIMEOUT_S = 15.0


@dataclass
class UserLog:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    warmup_statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)  # first few 5xx bodies
    reads: int = 0
    writes: int = 0


@dataclass
class LoadResult:
    users: int
    wall_s: float
    logs: list[UserLog]

    @property
    def latencies_ms(self) -> list[float]:
        return [ms for log in self.logs for ms in log.latencies_ms]

    @property
    def statuses(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for log in self.logs:
            total.update(log.statuses)
        return total

    @property
    def warmup_statuses(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for log in self.logs:
            total.update(log.warmup_statuses)
        return total

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def reads(self) -> int:
        return sum(log.reads for log in self.logs)

    @property
    def writes(self) -> int:
        return sum(log.writes for log in self.logs)

    @property
    def transport_errors(self) -> list[str]:
        return [e for log in self.logs for e in log.transport_errors]

    @property
    def server_errors(self) -> int:
        """5xx answers plus requests that got no answer at all, warm-up included."""
        fives = sum(n for s, n in (self.statuses + self.warmup_statuses).items() if s >= 500)
        return fives + len(self.transport_errors)

    @property
    def errors(self) -> int:
        """Every request that was not a 2xx, warm-up included."""
        bad = sum(n for s, n in (self.statuses + self.warmup_statuses).items() if s >= 300)
        return bad + len(self.transport_errors)

    @property
    def throughput(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def ok_throughput(self) -> float:
        """2xx answers per second: a fast error does not count as throughput."""
        ok = sum(n for s, n in self.statuses.items() if 200 <= s < 300)
        return ok / self.wall_s if self.wall_s else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def describe(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.users} users, {self.requests} requests ({self.reads} reads, {self.writes} "
            f"writes) in {self.wall_s:.1f} s: {self.throughput:.1f} req/s, p50 {self.p50:.0f} ms, "
            f"p99 {self.p99:.0f} ms; statuses {{{statuses}}}, warm-up "
            f"{dict(sorted(self.warmup_statuses.items()))}, transport errors "
            f"{len(self.transport_errors)}"
        )


def _client(ca_pem: Path, api_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=api_url,
        verify=ssl.create_default_context(cafile=str(ca_pem)),
        timeout=REQUEST_TIMEOUT_S,
    )


def _one(client: httpx.Client, auth: dict[str, str], write: bool, n: int) -> httpx.Response:
    if write:
        return client.post("todos", json={"title": f"load {n}", "notes": "x" * 40}, headers=auth)
    return client.get("todos", headers=auth)


def _send(log: UserLog, client: httpx.Client, auth: dict[str, str], write: bool, n: int) -> int:
    """One request; its status, or 0 when no answer came (the error is kept in the log)."""
    try:
        response = _one(client, auth, write, n)
    except httpx.HTTPError as exc:
        log.transport_errors.append(f"{type(exc).__name__}: {exc}")
        return 0
    if response.status_code >= 500 and len(log.server_errors) < 3:
        log.server_errors.append(f"{response.status_code} {response.text[:200]}")
    return response.status_code


def run_users(
    api_url: str,
    ca_pem: Path,
    auths: list[dict[str, str]],
    *,
    duration_s: float,
    per_user: int,
    on_clock_start: Callable[[], None] | None = None,
) -> LoadResult:
    """Run len(auths) users at once for at most duration_s, each at most per_user requests.
    `on_clock_start` runs when the warm-up is over and the timed run begins."""
    logs = [UserLog() for _ in auths]
    clients = [_client(ca_pem, api_url) for _ in auths]
    clock: dict[str, float] = {}

    def start_clock() -> None:  # run once, by the last thread to reach the barrier
        if on_clock_start is not None:
            on_clock_start()
        clock["started"] = time.perf_counter()
        clock["deadline"] = clock["started"] + duration_s

    barrier = threading.Barrier(len(auths) + 1, action=start_clock)

    def user(i: int) -> None:
        log, client, auth = logs[i], clients[i], auths[i]
        status = _send(log, client, auth, False, 0)
        if status:
            log.warmup_statuses[status] += 1
        barrier.wait()
        for n in range(per_user):
            if time.perf_counter() >= clock["deadline"]:
                break
            write = (n + i) % WRITE_EVERY == WRITE_EVERY - 1  # users' writes are staggered
            t0 = time.perf_counter()
            status = _send(log, client, auth, write, n)
            log.latencies_ms.append((time.perf_counter() - t0) * 1000)
            if status:
                log.statuses[status] += 1
            log.writes += write
            log.reads += not write

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(len(auths))]
    try:
        for t in threads:
            t.start()
        barrier.wait(timeout=REQUEST_TIMEOUT_S + 30)
        for t in threads:
            t.join(timeout=duration_s + REQUEST_TIMEOUT_S + 10)
        wall = time.perf_counter() - clock["started"]
    finally:
        for c in clients:
            c.close()
    return LoadResult(len(auths), wall, logs)
