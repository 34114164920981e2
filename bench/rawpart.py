"""`make bench` part "raw": the same boto3 calls against the local endpoint and against the
peer (ministack), interleaved; and DynamoDB Query/s through the endpoint against moto
called in-process (`mock_aws` in this process, the same table contents).

Then a second cloud started with `STRATUS_STATE_SYNC=0` (its journal written but not
`fdatasync`'d: safe against `kill -9`, not against a power loss) runs the same calls
interleaved with the peer again, so each run shows what the power-loss guarantee costs each
call beside the peer, which keeps nothing on disk. It starts only after the first
comparison, which the aim is judged on, so that comparison runs as it always did.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from moto import mock_aws

from bench.aims import Aims
from bench.cloud import running_cloud
from bench.interleave import Side, interleaved
from bench.peer import PIN, PeerUnavailable, running_peer
from bench.procmem import tree_memory
from bench.rawcalls import clients, measure, prepare, query_ops, seed_table
from bench.stats import Series

QUERY_OPS = ["DynamoDB Query 20 items", "DynamoDB Query 100 items"]
UNSYNCED = "stratus, no sync"
UNSYNCED_PEER = "ministack, beside no sync"
IN_PROCESS_N = 50  # per side and query: enough for a p50 and a rate, short on a slow engine


@contextmanager
def _mock_on(mock: Any) -> Iterator[None]:
    mock.start(reset=False)
    try:
        yield
    finally:
        mock.stop(remove_data=False)


def query_vs_in_process(local: Side, results: dict[str, Any], seeded_s: float) -> None:
    mock = mock_aws()
    mock.start()
    try:
        ddb = clients(None)("dynamodb")
        ops = {op.name: op for op in query_ops(ddb, seed_table(ddb))}
    finally:
        mock.stop(remove_data=False)
    moto_side = Side("moto in-process", ops, around=lambda: _mock_on(mock))
    table = interleaved([local, moto_side], QUERY_OPS, warmup=3, n=IN_PROCESS_N)
    print(
        "\n7. DynamoDB Query per second through the endpoint, interleaved — baseline: moto "
        f"called in-process (same ~5,100-item table; seeding the endpoint took {seeded_s:.0f} s)"
    )
    print(f"  {'':32} {'endpoint q/s':>13} {'in-process q/s':>15} {'ratio':>7} {'n':>5}")
    out = {}
    for name, sides in table.items():
        ours, base = sides[local.name], sides[moto_side.name]
        ratio = ours.throughput / base.throughput if base.throughput else float("nan")
        print(
            f"  {name:32} {ours.throughput:13.0f} {base.throughput:15.0f} {ratio:6.2f}x "
            f"{len(ours.samples_ms):5d}"
        )
        out[name] = {
            "endpoint_per_s": round(ours.throughput, 1),
            "in_process_per_s": round(base.throughput, 1),
            "endpoint_p50_ms": round(ours.p50, 2),
            "in_process_p50_ms": round(base.p50, 2),
            "ratio": round(ratio, 3),
        }
    results["query_vs_in_process"] = out


def bench_raw(
    results: dict[str, Any], aims: Aims, endpoint: str, out_dir: Path, cloud_pid: int
) -> None:
    t0 = time.perf_counter()
    local = Side("stratus", prepare(endpoint))
    seeded_s = time.perf_counter() - t0
    query_vs_in_process(local, results, seeded_s)
    names = list(local.ops)
    try:
        with (
            running_peer(out_dir / "ministack-venv", out_dir / "ministack") as peer,
            ExitStack() as clouds,
        ):
            try:
                peer_side = Side("ministack", prepare(peer.endpoint))
            except (BotoCoreError, ClientError) as exc:
                raise PeerUnavailable(f"seeding it failed: {exc}") from exc
            table = interleaved([local, peer_side], names)
            unsynced = unsynced_side(clouds, out_dir)
            if unsynced is not None:
                for name, by_side in interleaved([unsynced, peer_side], names).items():
                    table[name][UNSYNCED] = by_side[UNSYNCED]
                    table[name][UNSYNCED_PEER] = by_side[peer_side.name]
            peer_mem = tree_memory(peer.pid)
            version = peer.version
    except PeerUnavailable as exc:
        print(f"\n8. raw AWS calls against the peer: SKIPPED — {PIN}: {exc}")
        results["raw_calls"] = {"skipped": str(exc)}
        alone = {name: measure(op) for name, op in local.ops.items()}
        print_alone(alone)
        results["raw_calls"]["stratus_p50_ms"] = {k: round(s.p50, 2) for k, s in alone.items()}
        return
    print(
        f"\n8. raw AWS calls, p50 ms, same boto3 calls, blocks interleaved — "
        f"baseline: ministack {version} (PyPI)"
    )
    extra = f" {'no sync':>9} {'ratio':>7}" if unsynced is not None else ""
    print(f"  {'':44} {'stratus':>9} {'ministack':>10} {'ratio':>7}{extra} {'n':>5}")
    rows: dict[str, Any] = {}
    slower = []
    for name, by_side in table.items():
        ours, peer_s = by_side["stratus"], by_side["ministack"]
        ratio = _p50_ratio(ours, peer_s)
        n = len(ours.samples_ms)
        rows[name] = {
            "stratus_p50_ms": round(ours.p50, 3),
            "ministack_p50_ms": round(peer_s.p50, 3),
            "stratus_p99_ms": round(ours.p99, 3),
            "ministack_p99_ms": round(peer_s.p99, 3),
            "ratio_p50": round(ratio, 3),
        }
        column = ""
        if UNSYNCED in by_side:
            bare, beside = by_side[UNSYNCED], by_side[UNSYNCED_PEER]
            bare_ratio = _p50_ratio(bare, beside)
            column = f" {bare.p50:9.2f} {bare_ratio:6.2f}x"
            rows[name]["no_sync_p50_ms"] = round(bare.p50, 3)
            rows[name]["no_sync_ratio_p50"] = round(bare_ratio, 3)
            rows[name]["ministack_beside_no_sync_p50_ms"] = round(beside.p50, 3)
        print(f"  {name:44} {ours.p50:9.2f} {peer_s.p50:10.2f} {ratio:6.2f}x{column} {n:5d}")
        if ratio > 1.0:
            slower.append(name)
    print("  (ratio = stratus p50 / ministack p50; below 1.00x stratus is faster)")
    if unsynced is not None:
        print(
            "  (no sync: a second cloud with STRATUS_STATE_SYNC=0 -- safe against kill -9, not "
            "a power loss -- interleaved with ministack again afterwards, its ratio against "
            "that run; the aim is judged on the default cloud)"
        )
    ours_mem = tree_memory(cloud_pid)
    print(
        f"  memory after the calls: ministack {peer_mem.own_mb + peer_mem.children_mb:.0f} MB; "
        f"stratus up {ours_mem.describe()}"
    )
    results["raw_calls"] = {"peer": f"ministack {version}", "calls": rows}
    results["raw_calls"]["rss_mb"] = {
        "ministack": round(peer_mem.own_mb + peer_mem.children_mb, 1),
        "stratus_up": round(ours_mem.own_mb, 1),
        "stratus_workers": round(ours_mem.children_mb, 1),
    }
    aims.check(
        "raw calls: at least as fast as ministack on every one (p50)",
        f"{len(rows) - len(slower)} of {len(rows)}",
        not slower,
    )


def _p50_ratio(ours: Series, base: Series) -> float:
    """ours p50 / base p50 (below 1.0: ours is faster); NaN when the base has none."""
    return ours.p50 / base.p50 if base.p50 else float("nan")


def unsynced_side(clouds: ExitStack, out_dir: Path) -> Side | None:
    """The same calls against a second cloud whose journal is not synced, or None (said
    why) when it cannot start: the comparison with the peer goes on without it."""
    try:
        handle, _, _ = clouds.enter_context(
            running_cloud(
                out_dir / "cloud-raw-no-sync", fresh=True, env={"STRATUS_STATE_SYNC": "0"}
            )
        )
        return Side(UNSYNCED, prepare(handle.aws_endpoint))
    except (RuntimeError, OSError, BotoCoreError, ClientError) as exc:
        print(f"\n  (the STRATUS_STATE_SYNC=0 cloud for comparison: SKIPPED — {exc})")
        return None


def print_alone(figures: dict[str, Series]) -> None:
    print(f"  stratus alone: {'':29} {'p50 ms':>9} {'p99 ms':>9}")
    for name, s in figures.items():
        print(f"  {name:44} {s.p50:9.2f} {s.p99:9.2f}")
