"""`python -m bench`: the local cloud's figures, each beside its baseline, in one run.

Parts (`--only PART`, repeatable; default all): todo — four `stratus up` runs (fresh+DAX,
warm restart of it, fresh --no-dax) with fixed request counts and 20 short import
subprocesses; load — fifty concurrent users and one user on a fresh cloud, then its memory;
raw — the same boto3 calls against that cloud's endpoint and ministack (a throwaway venv),
interleaved, and Query/s against moto in-process; state — `up` with a large state; events —
the event latency app; gateway — the stage cache (cached vs uncached GET) and a VTL
mapping's added latency on the apigw_cache fixture app, interleaved; edge — CloudFront edge
hit vs miss and a read storm's origin requests; blog — on a cloud as `make up` starts it, a
blog post page through the site's distribution (edge hit vs miss, hit req/s from several
threads, a read storm's origin requests) and the welcome mail's latency from subscribe to
the local inbox; photos — the blog's photo pipeline per 12 MP JPEG against bare Pillow's
best path and a naive resize (in process); shop — `stratus up --system shop`: order placed
until its payment mail is in the local inbox (p50/p99), a burst of orders through order ->
payment -> notification (orders and events per second), and a catalog release's canary
wall time (good, and broken until rolled back) at a given deploy time scale; updates — an
update storm on `stratus up --system updates`: 200 clients fetch the manifest and a 100 MiB
binary at once through the local CloudFront vs straight from the ALB (origin requests,
bytes and CPU seconds, client p50/p99). Every run is
bounded in count and time, every cloud and the peer are stopped even on failure, aims are
printed met/MISSED and summed up at the end.
Figures also go to .stratus/bench/results.json (results-PARTS.json for --only).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import ROOT, LocalCloudHandle, unique_email
from tests.integration.conftest import (
    PASSWORD,
    User,
    aws_client,
    sign_up_and_login,
    unverified_claims,
)

from bench.aims import Aims
from bench.bigstate import bench_state
from bench.cloud import (
    check_pauses,
    function_asset_dir,
    function_environment,
    function_handlers,
    ports_of,
    running_cloud,
    snapshot_pauses,
)
from bench.cold import IMPORTS, bundle_size, import_times
from bench.cpusplit import Measured, describe, interleaved_cpu
from bench.gateway import bench_gateway
from bench.hello import hello_server
from bench.hostspeed import probe_ms
from bench.inprocess import in_process_call
from bench.load import concurrent, get_ok, https_client, timed
from bench.loadrun import bench_load
from bench.photos import bench_photos
from bench.rawpart import bench_raw
from bench.stats import Series, print_table, summary

N = 300
WARMUP = 30
THREADS, PER_THREAD = 4, 75
TODOS = 20
OUT = ROOT / ".stratus" / "bench"
TODOS_HANDLER = "stratus.todo.handlers.todos.lambda_handler"
UP_AIM_WARM_S = 15.0
OVERHEAD_AIM_MS = 2.0
COLD_AIM_MS = 1500.0
CEILING_AIM_WRITER, CEILING_AIM_CACHED = 0.10, 0.25  # fractions of hello-world's req/s
# The first request of every function of the to-do stack: handler -> path that reaches it.
COLD_PROBES = {
    "stratus.todo.handlers.todos.lambda_handler": "todos",
    "stratus.todo.handlers.files.lambda_handler": "files",
}
PARTS = (
    "todo",
    "load",
    "raw",
    "state",
    "events",
    "gateway",
    "edge",
    "blog",
    "photos",
    "shop",
    "updates",
)


def login(cloud: LocalCloudHandle, email: str) -> User:
    """A fresh ID token for an existing user (tokens of a previous run may be stale)."""
    result = aws_client(cloud, "cognito-idp").initiate_auth(
        ClientId=cloud.stack_output("UserPoolClientId"),
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    fresh = unverified_claims(result["IdToken"])
    return User(
        email, result["IdToken"], result["AccessToken"], result["RefreshToken"], fresh["sub"]
    )


def seed(cloud: LocalCloudHandle, user: User) -> None:
    with https_client(cloud.ca_pem, str(cloud.stack_output("TodoApiUrl"))) as api:
        for i in range(TODOS):
            r = api.post(
                "todos", json={"title": f"bench to-do {i}", "notes": "x" * 40}, headers=user.auth
            )
            if r.status_code != 201:
                raise RuntimeError(f"seeding POST /todos -> {r.status_code}: {r.text[:200]}")
        count = len(api.get("todos", headers=user.auth).json()["items"])
        if count != TODOS:
            raise RuntimeError(f"seeded {TODOS} to-dos, GET /todos lists {count}")


def first_request_ms(api: httpx.Client, path: str, user: User) -> float:
    t0 = time.perf_counter()
    r = api.get(path, headers=user.auth)
    elapsed = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        raise RuntimeError(f"first GET {path} -> {r.status_code}: {r.text[:200]}")
    return elapsed


def dax_stats(cloud: LocalCloudHandle) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{cloud.dax_endpoint}/_stratus/stats", timeout=10).json()
    return data


def delta_ratio(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    d = {
        k: after[k] - before[k]
        for k in (
            "item_hits",
            "item_misses",
            "query_hits",
            "query_misses",
            "pass_through",
            "writes",
        )
    }
    hits = d["item_hits"] + d["query_hits"]
    lookups = hits + d["item_misses"] + d["query_misses"]
    d["hit_ratio"] = round(hits / lookups, 4) if lookups else 0.0
    return d


def backdate_last_write(cloud: LocalCloudHandle, user: User) -> None:
    """Make the user an idle reader: last write an hour ago, so lists may use DAX's query cache.

    The store sends ConsistentRead Queries (which DAX passes through) for one query-cache TTL
    (300 s) after a user's write; a bench cannot wait that long, so it moves the stamp back.
    """
    aws_client(cloud, "dynamodb").update_item(
        TableName=cloud.stack_output("TodoTableName"),
        Key={"pk": {"S": user.sub}, "sk": {"S": "#meta"}},
        UpdateExpression="SET last_write_at = :t",
        ExpressionAttributeValues={":t": {"N": str(time.time() - 3600)}},
    )
    if "127.0.0.1" in cloud.dax_endpoint:
        with contextlib.suppress(httpx.HTTPError):  # no DAX endpoint under --no-dax
            httpx.post(f"{cloud.dax_endpoint}/_stratus/flush", timeout=10)


def reader_series(cloud: LocalCloudHandle, user: User, label: str) -> Series:
    with https_client(cloud.ca_pem, str(cloud.stack_output("TodoApiUrl"))) as api:
        return timed(f"GET /todos idle reader, {label}", get_ok(api, "todos", user.auth), N, WARMUP)


def bench_dax_cloud(results: dict[str, Any]) -> tuple[Series, ...]:
    state = OUT / "cloud-dax"
    shutil.rmtree(state, ignore_errors=True)
    email = unique_email("bench")
    with running_cloud(state, fresh=True) as (cloud, wall, reported):
        results["up"] = {"cold": {"wall_s": round(wall, 2), "reported_s": reported}}
        user = sign_up_and_login(cloud, email)
        seed(cloud, user)
        ports = ports_of(cloud)
    # Same ports as the first run: a warm restart on new ports currently leaves the DAX
    # cluster's recorded endpoint (and so the function's DAX_ENDPOINT) on the old port.
    with running_cloud(state, fresh=False, ports=ports) as (cloud, wall, reported):
        results["up"]["warm"] = {"wall_s": round(wall, 2), "reported_s": reported}
        user = login(cloud, email)
        base = str(cloud.stack_output("TodoApiUrl"))
        with https_client(cloud.ca_pem, base) as api:
            handlers = function_handlers(cloud.state_dir)
            results["first_request_ms"] = {
                f"GET /{path} ({handler.split('.')[-2]} fn)": round(
                    first_request_ms(api, path, user), 1
                )
                for handler, path in COLD_PROBES.items()
                if handler in handlers
            }
            results["cold_unprobed"] = sorted(set(handlers) - set(COLD_PROBES))
            httpx.post(f"{cloud.dax_endpoint}/_stratus/flush", timeout=10).raise_for_status()
            before = dax_stats(cloud)
            gateway = timed(
                "GET /todos via gateway+Lambda (DAX)", get_ok(api, "todos", user.auth), N, WARMUP
            )
            results["dax_stats"] = delta_ratio(before, dax_stats(cloud))

        def conc_call() -> Any:
            return get_ok(https_client(cloud.ca_pem, base), "todos", user.auth)

        # untimed round first: concurrency starts extra workers, each with its own cold start
        concurrent("warm-up", conc_call, THREADS, 10)
        conc = concurrent(
            f"  same, {THREADS} client threads",
            conc_call,
            THREADS,
            PER_THREAD,
        )
        env = function_environment(cloud.state_dir, TODOS_HANDLER)
        results["in_process_env_keys"] = sorted(env)
        inproc_call = in_process_call(
            "stratus.todo.handlers.todos", env, cloud.aws_endpoint, user.sub, user.email, "/todos"
        )
        inproc = timed("GET /todos handler in-process (DAX)", inproc_call, N, WARMUP)
        with https_client(cloud.ca_pem, base) as api:
            sides = {"gateway": get_ok(api, "todos", user.auth), "in-process": inproc_call}
            writer_split = interleaved_cpu(cloud.pid, sides, N, WARMUP)
        keys = cloud.state_dir / "keys"
        with (
            hello_server(keys / "server.pem", keys / "server-key.pem") as origin,
            https_client(cloud.ca_pem, origin) as hc,
        ):
            hello = timed("hello-world ASGI, same uvicorn HTTPS", get_ok(hc, "/", {}), N, WARMUP)
            hello_conc = concurrent(
                f"  hello, {THREADS} client threads",
                lambda: get_ok(https_client(cloud.ca_pem, origin), "/", {}),
                THREADS,
                PER_THREAD,
            )
        results["bundle"] = bundle_size(
            function_asset_dir(cloud.state_dir, "stratus.todo.handlers.todos.lambda_handler")
        )
        backdate_last_write(cloud, user)
        before = dax_stats(cloud)
        reader = reader_series(cloud, user, "DAX")
        results["dax_stats_idle_reader"] = delta_ratio(before, dax_stats(cloud))
        inproc_reader = timed("GET /todos idle reader, in-process", inproc_call, N, WARMUP)
        with https_client(cloud.ca_pem, base) as api:
            sides = {"gateway": get_ok(api, "todos", user.auth), "in-process": inproc_call}
            reader_split = interleaved_cpu(cloud.pid, sides, N, WARMUP)
    results["overhead_interleaved"] = {
        label: {
            side: {"p50_ms": round(m.series.p50, 3), "cpu_ms": asdict(m.cpu)}
            for side, m in split.items()
        }
        for label, split in (("recent_writer", writer_split), ("idle_reader", reader_split))
    }
    return gateway, conc, inproc, hello, hello_conc, reader, inproc_reader


def bench_no_dax(results: dict[str, Any]) -> tuple[Series, Series]:
    state = OUT / "cloud-nodax"
    shutil.rmtree(state, ignore_errors=True)
    with running_cloud(state, fresh=True, extra_args=["--no-dax"]) as (cloud, wall, reported):
        results["up"]["cold_no_dax"] = {"wall_s": round(wall, 2), "reported_s": reported}
        user = sign_up_and_login(cloud, unique_email("bench"))
        seed(cloud, user)
        with https_client(cloud.ca_pem, str(cloud.stack_output("TodoApiUrl"))) as api:
            writer = timed(
                "GET /todos via gateway+Lambda (no DAX)", get_ok(api, "todos", user.auth), N, WARMUP
            )
        backdate_last_write(cloud, user)
        return writer, reader_series(cloud, user, "no DAX")


def ceiling_fractions(
    results: dict[str, Any], aims: Aims, writer: Series, cached: Series, hello: Series
) -> None:
    """GET /todos req/s as a fraction of hello-world's on the same HTTPS server."""
    fractions = {
        "recent_writer": writer.throughput / hello.throughput,
        "dax_cache": cached.throughput / hello.throughput,
    }
    print(
        f"  as a fraction of the hello-world ceiling ({hello.throughput:.0f} req/s, sequential): "
        f"recent writer {writer.throughput:.0f} req/s = {fractions['recent_writer']:.1%}, "
        f"from DAX's cache (idle reader) {cached.throughput:.0f} req/s = "
        f"{fractions['dax_cache']:.1%}"
    )
    aims.check(
        f"GET /todos, recent writer >= {CEILING_AIM_WRITER:.0%} of the ceiling",
        f"{fractions['recent_writer']:.1%}",
        fractions["recent_writer"] >= CEILING_AIM_WRITER,
    )
    aims.check(
        f"GET /todos from DAX's cache >= {CEILING_AIM_CACHED:.0%} of the ceiling",
        f"{fractions['dax_cache']:.1%}",
        fractions["dax_cache"] >= CEILING_AIM_CACHED,
    )
    results["ceiling_fraction"] = {k: round(v, 4) for k, v in fractions.items()}


def bench_events(results: dict[str, Any], aims: Aims) -> None:
    from bench.events import AWS_MS, measure, print_latency
    from bench.events import N as EVENTS_N

    state = OUT / "events-cloud"
    shutil.rmtree(state, ignore_errors=True)
    results["event_latency"] = figures = print_latency(measure(state))
    for name, f in figures.items():
        aws = AWS_MS.get(name)
        if aws is None:
            continue  # AWS publishes no figure for it
        ratio = f["p50_ms"] / aws[0] if "p50_ms" in f else float("inf")
        aims.check(
            f"{name}: p50 <= 0.5x AWS's, all delivered",
            f"{ratio:.2f}x, {f['delivered']}/{EVENTS_N}",
            ratio <= 0.5 and f["delivered"] == EVENTS_N,
            echo=False,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run this part only (repeatable; default: every part)",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    parts = args.only or list(PARTS)
    started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"n": N, "warmup": WARMUP, "todos_per_user": TODOS, "parts": parts}
    aims = Aims()
    print(f"stratus bench: {', '.join(parts)}")
    failed: dict[str, str] = {}

    def attempt(part: str, run: Callable[[], None]) -> None:
        """Run one part; a failure is printed and recorded, and the other parts still run.
        The host's speed is probed before and after (bench/hostspeed.py), as this VM's cores
        change speed by up to 50% within minutes: a part's figures are read beside it."""
        t0 = time.perf_counter()
        before = probe_ms()
        try:
            run()
        except Exception as exc:
            failed[part] = f"{type(exc).__name__}: {exc}"
            print(f"\n[{part}] FAILED after {time.perf_counter() - t0:.0f} s:")
            traceback.print_exc(limit=6, file=sys.stdout)
        results.setdefault("part_seconds", {})[part] = round(time.perf_counter() - t0, 1)
        after = probe_ms()
        results.setdefault("host_speed_probe_ms", {})[part] = [round(before, 1), round(after, 1)]
        print(f"  [{part}] host speed probe (lower: faster): {before:.1f} ms, after {after:.1f} ms")

    def load_and_raw() -> None:
        # one fresh cloud: the load runs first, then the raw calls on its AWS endpoint
        with running_cloud(OUT / "cloud-load", fresh=True) as (cloud, _, _):
            if "load" in parts:
                attempt("load", lambda: bench_load(results, aims, cloud))
            if "raw" in parts:
                attempt("raw", lambda: bench_raw(results, aims, cloud.aws_endpoint, OUT, cloud.pid))
        # the cloud printed its snapshots' write pauses as it stopped
        pauses = snapshot_pauses(cloud)
        print(f"\n[{'+'.join(p for p in ('load', 'raw') if p in parts)}] snapshot write pauses")
        check_pauses(aims, "the load and raw runs", pauses)
        results["snapshot_pauses_load"] = pauses

    if "todo" in parts:
        attempt("todo", lambda: part_todo(results, aims))
    if "load" in parts or "raw" in parts:
        attempt("cloud for load+raw", load_and_raw)
    if "state" in parts:
        attempt("state", lambda: bench_state(results, aims, OUT))
    if "events" in parts:
        attempt("events", lambda: bench_events(results, aims))
    if "gateway" in parts:
        attempt("gateway", lambda: bench_gateway(results, aims, OUT))
    if "edge" in parts:
        from bench.edge import bench_edge

        attempt("edge", lambda: bench_edge(results, aims, OUT))
    if "blog" in parts:
        from bench.blog import bench_blog

        attempt("blog", lambda: bench_blog(results, aims, OUT))
    if "photos" in parts:
        attempt("photos", lambda: bench_photos(results, aims))
    if "shop" in parts:
        from bench.shop import bench_shop

        attempt("shop", lambda: bench_shop(results, aims, OUT))
    if "updates" in parts:
        from bench.updates import bench_updates

        attempt("updates", lambda: bench_updates(results, aims, OUT))
    aims.print_summary()
    results["aims"] = aims.as_json()
    results["failed_parts"] = failed
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    name = "results.json" if args.only is None else f"results-{'-'.join(parts)}.json"
    (OUT / name).write_text(json.dumps(results, indent=2))
    times = ", ".join(f"{k} {v:.0f} s" for k, v in results["part_seconds"].items())
    print(
        f"\nbench finished in {results['bench_seconds']:.0f} s ({times}); figures in {OUT / name}"
    )
    if failed:
        print(f"parts that FAILED: {', '.join(failed)}")
    return 1 if failed else 0


def part_todo(results: dict[str, Any], aims: Aims) -> None:
    print(
        f"\n[todo] N={N} sequential after {WARMUP} warm-up, "
        f"{THREADS}x{PER_THREAD} concurrent, user with {TODOS} to-dos"
    )
    gateway, conc, inproc, hello, hello_conc, reader, inproc_reader = bench_dax_cloud(results)
    nodax, nodax_reader = bench_no_dax(results)
    imports = import_times(Path(results["bundle"]["asset_dir"]))

    up = results["up"]
    print("\n1. stratus up, time to ready (wall from spawn; CLI's own figure in brackets)")
    for key, label in (
        ("cold", "fresh state dir (synth cache may exist)"),
        ("warm", "warm: restart of the same state dir"),
        ("cold_no_dax", "fresh state dir, --no-dax"),
    ):
        print(f"  {label:44} {up[key]['wall_s']:6.2f} s  [{up[key]['reported_s']:.1f} s]")
    aims.check(
        f"up, warm restart <= {UP_AIM_WARM_S:.0f} s",
        f"{up['warm']['wall_s']:.1f} s",
        up["warm"]["wall_s"] <= UP_AIM_WARM_S,
    )

    print_table(
        "2. GET /todos (20 items), warm, keep-alive HTTPS — baseline: handler in-process",
        [gateway, conc, inproc, hello, hello_conc],
        inproc,
    )
    # The aim is judged on interleaved series (bench/cpusplit.py): the sequential ones above
    # are minutes apart, and this VM's cores change speed by up to 50% in that time.
    overheads: dict[str, float] = {}
    for key, label in (("recent_writer", "recent writer"), ("idle_reader", "idle reader")):
        split = results["overhead_interleaved"][key]
        via, here = split["gateway"], split["in-process"]
        overheads[key] = via["p50_ms"] - here["p50_ms"]
        print(
            f"  gateway+runtime overhead, {label} (interleaved): p50(gateway) - "
            f"p50(in-process) = {via['p50_ms']:.2f} - {here['p50_ms']:.2f} = "
            f"{overheads[key]:.2f} ms"
        )
        print(describe(label, Measured.cpu_of(via), Measured.cpu_of(here)))
    for key, label in (("recent_writer", "recent writer"), ("idle_reader", "idle reader")):
        aims.check(
            f"gateway+runtime overhead, {label} <= {OVERHEAD_AIM_MS:.0f} ms (p50)",
            f"{overheads[key]:.2f} ms",
            overheads[key] <= OVERHEAD_AIM_MS,
        )
    print(
        f"  gateway p50 / hello-world p50 = {gateway.p50 / hello.p50:.1f}x; "
        f"throughput {gateway.throughput:.0f} vs ceiling {hello.throughput:.0f} req/s "
        f"({gateway.throughput / hello.throughput:.1%})"
    )
    ceiling_fractions(results, aims, gateway, reader, hello)

    print_table(
        "3. GET /todos via gateway, user who wrote < 5 min ago — baseline: no DAX",
        [gateway, nodax],
        nodax,
    )
    print_table(
        "   same, idle reader (last write 1 h ago) — baseline: no DAX",
        [reader, nodax_reader, inproc_reader],
        nodax_reader,
    )
    for key, label in (("dax_stats", "recent writer"), ("dax_stats_idle_reader", "idle reader")):
        st = results[key]
        print(
            f"  DAX stats, {label:13} (flushed first): query hits {st['query_hits']}/"
            f"misses {st['query_misses']}, item hits {st['item_hits']}/misses "
            f"{st['item_misses']}, pass-through {st['pass_through']}, "
            f"hit ratio {st['hit_ratio']:.1%}"
        )
    print("  (a recent writer's lists are ConsistentRead Queries, which DAX passes through)")

    print("\n4a. cold start: first request after `up` (gateway + new worker + handler init)")
    for name, ms in results["first_request_ms"].items():
        print(f"  {name:44} {ms:8.1f} ms   ({ms / gateway.p50:.0f}x warm p50)")
    if results["cold_unprobed"]:
        print(f"  functions with no cold probe (not measured): {results['cold_unprobed']}")
    slowest = max(results["first_request_ms"].values())
    aims.check(
        f"cold first request of every function <= {COLD_AIM_MS / 1000:.1f} s",
        f"slowest {slowest:.0f} ms",
        slowest <= COLD_AIM_MS and not results["cold_unprobed"],
    )
    print("4b. handler module import in a fresh python, median of 5 — baseline: import boto3")
    base = imports["import boto3 (baseline)"]
    for name in IMPORTS:
        print(f"  {name:44} {imports[name]:8.1f} ms   {imports[name] / base:5.2f}x")

    b = results["bundle"]
    print(
        f"\n5. Lambda bundle {Path(b['asset_dir']).name[:18]}…: "
        f"{b['bytes'] / 1e6:.1f} MB in {b['files']} files; largest top-level packages:"
    )
    for p in b["largest"]:
        print(f"  {p['name']:44} {p['bytes'] / 1e6:8.2f} MB  {p['files']:6d} files")

    results["latency"] = {
        s.name.strip(): summary(s)
        for s in (
            gateway,
            conc,
            inproc,
            hello,
            hello_conc,
            nodax,
            reader,
            nodax_reader,
            inproc_reader,
        )
    }
    results["overhead_p50_ms"] = {k: round(v, 3) for k, v in overheads.items()}
    results["import_ms"] = {k: round(v, 1) for k, v in imports.items()}
    results["series_raw"] = {s.name.strip(): asdict(s) for s in (gateway, inproc, hello, nodax)}


if __name__ == "__main__":
    sys.exit(main())
