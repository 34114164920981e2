"""`make bench` part "load": fifty concurrent users (9 reads : 1 write) on the to-do API through
the HTTPS gateway, beside one user alone; then the memory of `stratus up` and its workers, and
the CPU a request costs in each (the cloud, its workers, the load generator).

Users are signed up and signed in first (each its own ID token); the runs use the same
generator as the load test (tests/load/users.py), bounded in time and in requests.
"""

from __future__ import annotations

import os
import time
from typing import Any

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import sign_up_and_login
from tests.load.users import LoadResult, run_users

from bench.aims import Aims
from bench.hostspeed import probe_ms
from bench.procmem import tree_cpu, tree_memory

USERS = 50
ONE_USER_S, FIFTY_USERS_S = 6.0, 12.0
PER_USER = 400  # a bound that the time bound normally reaches first
AIM_REQ_PER_S = 200.0
AIM_P99_OVER_P50 = 5.0
AIM_RSS_MB = 300.0


def summary(r: LoadResult) -> dict[str, Any]:
    return {
        "users": r.users,
        "requests": r.requests,
        "reads": r.reads,
        "writes": r.writes,
        "wall_s": round(r.wall_s, 2),
        "req_per_s": round(r.throughput, 1),
        "ok_req_per_s": round(r.ok_throughput, 1),
        "p50_ms": round(r.p50, 1),
        "p99_ms": round(r.p99, 1),
        "errors": r.errors,
        "server_errors": r.server_errors,
        "statuses": {str(k): v for k, v in sorted(r.statuses.items())},
        "warmup_statuses": {str(k): v for k, v in sorted(r.warmup_statuses.items())},
    }


def bench_load(results: dict[str, Any], aims: Aims, cloud: LocalCloudHandle) -> None:
    users = [sign_up_and_login(cloud, unique_email("load")) for _ in range(USERS + 1)]
    api, ca = str(cloud.stack_output("TodoApiUrl")), cloud.ca_pem
    speed_before = probe_ms()
    one = run_users(api, ca, [users[0].auth], duration_s=ONE_USER_S, per_user=PER_USER)
    at_start: dict[str, Any] = {}

    def clock_started() -> None:  # after the warm-up: its cold starts are not counted
        at_start.update(cpu=tree_cpu(cloud.pid), client=time.process_time())

    fifty = run_users(
        api,
        ca,
        [u.auth for u in users[1:]],
        duration_s=FIFTY_USERS_S,
        per_user=PER_USER,
        on_clock_start=clock_started,
    )
    cpu = tree_cpu(cloud.pid).since(at_start["cpu"])
    client_s = time.process_time() - at_start["client"]
    speed_after = probe_ms()
    memory = tree_memory(cloud.pid)

    print(
        f"\n6. concurrent users, 9 reads : 1 write, GET/POST /todos via gateway + Lambda, "
        f"{FIFTY_USERS_S:.0f} s — baseline: one user ({ONE_USER_S:.0f} s)"
    )
    print(
        f"  {'':12} {'requests':>8} {'req/s':>7} {'2xx/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'5xx+none':>9} {'2xx/s x base':>13} {'p50 x base':>11}"
    )
    for label, r in (("one user", one), ("fifty users", fifty)):
        rate = r.ok_throughput / one.ok_throughput if one.ok_throughput else float("nan")
        print(
            f"  {label:12} {r.requests:8d} {r.throughput:7.1f} {r.ok_throughput:7.1f} "
            f"{r.p50:8.1f} {r.p99:8.1f} {r.errors:7d} {r.server_errors:9d} "
            f"{rate:12.2f}x {r.p50 / one.p50:10.2f}x"
        )
    statuses = dict(sorted((fifty.statuses + fifty.warmup_statuses).items()))
    print(f"  fifty users, statuses (warm-up included): {statuses}")
    first = [e for log in fifty.logs for e in log.server_errors][:1] + fifty.transport_errors[:1]
    if first:
        print(f"  first failure: {first[0][:160]}")
    print(f"  memory after the load run: stratus up {memory.describe()}")
    per_request = {  # where a timed request's CPU goes: a change shows in its own process
        "cloud": cpu.own_s,
        "workers": cpu.children_s,
        "load generator": client_s,
    }
    per_request = {k: v * 1000 / max(fifty.requests, 1) for k, v in per_request.items()}
    print(
        "  CPU per request, fifty users: "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in per_request.items())
        + f" (total {sum(per_request.values()):.2f} ms on {os.cpu_count()} cores)"
    )
    print(
        f"  host speed probe (bench/hostspeed.py, lower is faster): {speed_before:.1f} ms "
        f"before the runs, {speed_after:.1f} ms after"
    )

    aims.check("fifty users: 0 errors (non-2xx or no answer)", f"{fifty.errors}", fifty.errors == 0)
    aims.check(
        f"fifty users: >= {AIM_REQ_PER_S:.0f} req/s (2xx answers)",
        f"{fifty.ok_throughput:.1f} req/s",
        fifty.ok_throughput >= AIM_REQ_PER_S,
    )
    ratio = fifty.p99 / fifty.p50 if fifty.p50 else float("inf")
    aims.check(
        f"fifty users: p99 <= {AIM_P99_OVER_P50:.0f}x p50",
        f"{fifty.p99:.0f}/{fifty.p50:.0f} ms = {ratio:.1f}x",
        ratio <= AIM_P99_OVER_P50,
    )
    aims.check(
        f"memory after load: stratus up <= {AIM_RSS_MB:.0f} MB (+ workers)",
        f"{memory.own_mb:.0f} MB (+{memory.children_mb:.0f})",
        memory.own_mb <= AIM_RSS_MB,
    )
    results["load"] = {"one_user": summary(one), "fifty_users": summary(fifty)}
    results["load"]["fifty_users"]["cpu_ms_per_request"] = {
        k: round(v, 2) for k, v in per_request.items()
    }
    results["load"]["host_speed_probe_ms"] = {
        "before": round(speed_before, 1),
        "after": round(speed_after, 1),
    }
    results["memory_after_load_mb"] = {
        "stratus_up": round(memory.own_mb, 1),
        "workers": memory.children,
        "workers_mb": round(memory.children_mb, 1),
    }
