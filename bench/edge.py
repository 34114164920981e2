"""The CloudFront edge: a page served from the edge cache vs fetched from its origin, and
origin requests per 1,000 reader requests during a concurrent read storm (aim <= 5).

One cloud serves `tests/fixtures/apps/edge`. The page is a 10 KB post in the S3 bucket behind
origin access control (the Lambda@Edge viewer-request function runs on every request,
choosing the language). A miss is forced by an invalidation before each timed request; a
hit is the same request again. The storm: the page is invalidated, then 16 readers send
1,000 requests at once; the edge's own counter says how many reached the origin.
"""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client

from bench.aims import Aims
from bench.load import concurrent, https_client, timed
from bench.stats import Series, print_table, summary

APP = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "apps" / "edge"
PAGE = ("<html lang=en><body>" + "<p>a post worth reading, cached at the edge</p>" * 200)[:10_000]
N_HITS, N_MISSES, WARMUP = 300, 40, 20
STORM_READERS, STORM_REQUESTS = 16, 1000
STORM_AIM = 5.0


def bench_edge(results: dict[str, Any], aims: Aims, out: Path) -> None:
    state = out / "edge-cloud"
    shutil.rmtree(state, ignore_errors=True)
    app_dir = out / "edge-app"
    shutil.rmtree(app_dir, ignore_errors=True)
    shutil.copytree(APP, app_dir, ignore=shutil.ignore_patterns(".stratus", "cdk.out"))
    proc, cloud = start_local_cloud(state, app_dir=app_dir)
    try:
        s3 = aws_client(cloud, "s3")
        s3.put_object(
            Bucket=cloud.stack_output("BucketName"),
            Key="en/post.html",
            Body=PAGE.encode(),
            ContentType="text/html",
        )
        cf = aws_client(cloud, "cloudfront")
        dist_id = cloud.stack_output("DistributionId")
        headers = {"Host": cloud.stack_output("DistributionDomain"), "Accept-Language": "en"}

        def invalidate() -> None:
            invalidate_paths(cf, dist_id, ["/en/post.html"])

        with https_client(cloud.ca_pem, cloud.edge_origin) as client:

            def get(expect: str) -> None:
                response = client.get("/post.html", headers=headers)
                if response.status_code != 200 or response.headers["x-cache"] != expect:
                    label = response.headers.get("x-cache")
                    raise RuntimeError(f"GET /post.html -> {response.status_code} {label}")

            misses = timed_misses(
                "edge miss (origin: S3 via OAC)", invalidate, lambda: get("Miss from cloudfront")
            )
            get("Hit from cloudfront")
            hits = timed(
                "edge hit (S3 page, viewer fn)", lambda: get("Hit from cloudfront"), N_HITS, WARMUP
            )

            def api_hit() -> None:
                response = client.get("/api/posts?page=1", headers=headers)
                if response.headers["x-cache"] != "Hit from cloudfront":
                    raise RuntimeError(f"GET /api/posts -> {response.headers['x-cache']}")

            client.get("/api/posts?page=1", headers=headers)  # the miss that fills it
            api_hits = timed("edge hit (API page, no function)", api_hit, N_HITS, WARMUP)

        def make_call() -> Any:
            reader = https_client(cloud.ca_pem, cloud.edge_origin)
            return lambda: expect_ok(reader.get("/post.html", headers=headers))

        hits_conc = concurrent("  same, 4 client threads", make_call, 4, N_HITS // 4)
        print_table(
            "edge: GET a 10 KB post through CloudFront (keep-alive HTTPS) — baseline: hit",
            [hits, misses, hits_conc, api_hits],
            hits,
        )
        invalidate()
        before = edge_stats(cloud)["origin_requests"]
        sent, storm = read_storm(
            lambda: https_client(cloud.ca_pem, cloud.edge_origin), "/post.html", headers
        )
        origin_requests = edge_stats(cloud)["origin_requests"] - before
        per_1000 = origin_requests * 1000 / sent
        print(
            f"  read storm: {sent} requests from {STORM_READERS} readers at once "
            f"({storm:.0f} req/s) -> {origin_requests} origin request(s)"
        )
        aims.check(
            f"edge read storm: origin requests per 1,000 <= {STORM_AIM:.0f}",
            f"{per_1000:.1f}",
            per_1000 <= STORM_AIM,
        )
        results["edge"] = {
            "hit": summary(hits),
            "miss": summary(misses),
            "hit_4_threads": summary(hits_conc),
            "hit_no_function": summary(api_hits),
            "storm": {
                "requests": sent,
                "readers": STORM_READERS,
                "origin_requests": origin_requests,
                "origin_requests_per_1000": per_1000,
                "req_per_s": round(storm, 1),
            },
        }
    finally:
        stop_local_cloud(proc)


def invalidate_paths(cf: Any, distribution_id: str, paths: list[str]) -> None:
    """CreateInvalidation, then wait until CloudFront reports it Completed (boto3's waiter).

    https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
    """
    created = cf.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"bench-{secrets.token_hex(8)}",
        },
    )
    cf.get_waiter("invalidation_completed").wait(
        DistributionId=distribution_id,
        Id=created["Invalidation"]["Id"],
        WaiterConfig={"Delay": 1, "MaxAttempts": 30},
    )


def edge_stats(cloud: LocalCloudHandle) -> dict[str, Any]:
    """The local edge's own counters (hits, misses, origin requests, ...)."""
    with https_client(cloud.ca_pem, cloud.edge_origin) as one:
        data: dict[str, Any] = one.get("/_stratus/edge/stats", headers={"Host": "127.0.0.1"}).json()
    return data


def timed_misses(
    name: str, invalidate: Callable[[], None], get: Callable[[], None], n: int = N_MISSES
) -> Series:
    """`n` requests, each after an (untimed) invalidation, so each one is a miss."""
    samples = []
    started = time.perf_counter()
    untimed = 0.0
    for _ in range(n):
        t_inv = time.perf_counter()
        invalidate()
        t0 = time.perf_counter()
        untimed += t0 - t_inv
        get()
        samples.append((time.perf_counter() - t0) * 1000)
    return Series(name, samples, time.perf_counter() - started - untimed)


def read_storm(
    make_client: Callable[[], httpx.Client],
    path: str,
    headers: dict[str, str],
    readers: int = STORM_READERS,
    requests: int = STORM_REQUESTS,
) -> tuple[int, float]:
    """About `requests` GETs of `path` (a multiple of `readers`) from `readers` connected
    clients released at once: (requests sent, req/s)."""
    per_reader = requests // readers
    clients = [make_client() for _ in range(readers)]
    for client in clients:  # connect first (the TLS handshakes are not the storm)
        client.get("/_stratus/edge/stats", headers={"Host": "127.0.0.1"})
    barrier = threading.Barrier(readers + 1)
    errors: list[BaseException] = []

    def reader(client: httpx.Client) -> None:
        barrier.wait()
        try:
            for _ in range(per_reader):
                expect_ok(client.get(path, headers=headers))
        except BaseException as exc:  # reported after the storm
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    if errors:
        raise errors[0]
    return per_reader * readers, per_reader * readers / elapsed


def expect_ok(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"-> {response.status_code}: {response.text[:200]}")
