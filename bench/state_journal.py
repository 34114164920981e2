"""`python -m bench.state_journal`: what durable state costs, in one process.

- DynamoDB PutItem/s from 8 threads through the moto bridge: no journal, journal without
  fdatasync (survives kill -9), journal with group-committed fdatasync (survives power loss).
- Snapshots under that write load with a large state (items of 1 KB plus log events):
  how long writes were paused (p50/max: the write lock held to switch segments and fork)
  beside the aim, and the writers' own latencies (p50/p99/max) during the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.unit.local.moto_harness import MotoAsgi, client_factory, serve

from bench.cloud import PAUSE_AIM_MS
from stratus.local.core.durable import DurableState
from stratus.local.core.moto_app import MotoApp

SERVICES = ("dynamodb", "logs", "sqs", "s3")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _table(aws: Any, name: str) -> None:
    aws("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _writers(aws_for: Any, table: str, seconds: float, threads: int = 8) -> tuple[int, list[float]]:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def run(worker: int) -> None:
        aws = aws_for()
        mine = []
        i = 0
        while time.monotonic() < stop:
            began = time.perf_counter()
            aws("dynamodb").put_item(
                TableName=table, Item={"pk": {"S": f"{worker}-{i}"}, "v": {"S": "x" * 100}}
            )
            mine.append(time.perf_counter() - began)
            i += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return len(latencies), latencies


def _line(label: str, count: int, seconds: float, latencies: list[float]) -> str:
    lat = sorted(latencies)
    return (
        f"  {label:<26} {count / seconds:6.0f}/s  p50 {lat[len(lat) // 2] * 1e3:6.1f} ms  "
        f"p99 {lat[int(len(lat) * 0.99)] * 1e3:7.1f} ms  max {lat[-1] * 1e3:7.1f} ms"
    )


def _open(moto: MotoApp, sync: bool) -> DurableState:
    state = DurableState(Path(tempfile.mkdtemp()) / "state", SERVICES, sync=sync)
    state.open(moto.call)
    moto.writes = state
    return state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--items", type=int, default=20_000)
    args = parser.parse_args()
    moto = MotoApp()
    with serve(MotoAsgi(moto)) as url:

        def aws_for() -> Any:
            return client_factory(url)

        aws = aws_for()
        print("DynamoDB PutItem from 8 threads")
        for label, sync in (
            ("no journal", None),
            ("journal, no fdatasync", False),
            ("journal + fdatasync", True),
        ):
            moto.reset()
            state = _open(moto, sync) if sync is not None else None
            _table(aws, "bench")
            count, lat = _writers(aws_for, "bench", args.seconds)
            print(_line(label, count, args.seconds, lat))
            if state is not None and state._writer is not None:
                print(f"{'':30}{state._writer.syncs} syncs for {state._writer.records} writes")
                state.close(snapshot=False)
            moto.writes = None

        moto.reset()
        state = _open(moto, True)
        _table(aws, "big")
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends["000000000000"]["us-east-1"].get_table("big")
        for i in range(args.items):  # straight into moto: a large state, quickly
            table.put_item({"pk": {"S": f"seed{i}"}, "v": {"S": "y" * 1000}})
        print(f"with {args.items} items of 1 KB in the table:")
        count, lat = _writers(aws_for, "big", args.seconds)
        print(_line("no snapshot running", count, args.seconds, lat))
        snapshots: list[float] = []
        stop = threading.Event()

        def snapshotter() -> None:
            while not stop.is_set():
                began = time.perf_counter()
                state._dirty.add("dynamodb")  # the whole table, every time
                state.snapshot()
                snapshots.append(time.perf_counter() - began)
                time.sleep(0.2)

        thread = threading.Thread(target=snapshotter)
        thread.start()
        count, lat = _writers(aws_for, "big", args.seconds)
        stop.set()
        thread.join()
        print(_line("snapshots back to back", count, args.seconds, lat))
        pauses = state.stats.pause_summary()
        print(
            f"  {state.stats.snapshots} snapshots, {statistics.median(snapshots):.2f} s each "
            f"in a forked process; writes paused p50 {pauses.get('p50_ms', 0):.1f} ms, "
            f"max {pauses.get('max_ms', 0):.1f} ms (aim <= {PAUSE_AIM_MS:.0f} ms; last fork "
            f"{state.stats.last_fork * 1e3:.1f} ms, {state.stats.last_fork_cpu * 1e3:.1f} ms "
            f"of it on a CPU, at {_rss_mb():.0f} MB resident)"
        )
        state.close(snapshot=False)


if __name__ == "__main__":
    main()
