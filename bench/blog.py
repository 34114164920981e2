"""The blog as readers and subscribers meet it, on one cloud started as `make up` does.

The site is reached as a browser would: the edge's port with the `SiteUrl` host as Host
and TLS server name. A sample post is the newest English post the site's own API lists.

- Post page, hit vs miss: a miss is forced by an invalidation of the page's path (waited to
  Completed, untimed) before each timed request; hits are the same request again, one client
  and then several threads. The viewer-request Lambda@Edge runs on both.
- Read storm: the page is invalidated, then 16 readers send 1,000 requests at once; the
  edge's own counter says how many reached the origin (aim <= 5 per 1,000).
- Welcome mail: `POST /api/subscriptions` through the site, each with a new address, timed
  until the mail is in the local inbox (`GET /_aws/ses?to=`), beside the POST's own answer;
  the first subscribe is shown apart (its function may have to start again: see
  welcome_mail).
"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from tests.conftest import LocalCloudHandle
from tests.integration.conftest import aws_client

from bench.aims import Aims
from bench.cloud import running_cloud
from bench.edge import (
    STORM_AIM,
    STORM_READERS,
    STORM_REQUESTS,
    edge_stats,
    expect_ok,
    invalidate_paths,
    read_storm,
    timed_misses,
)
from bench.load import concurrent, https_client, timed
from bench.stats import Series, print_table, summary

N_HITS, N_MISSES, WARMUP, THREADS = 300, 40, 20, 4
N_MAILS = 30
MAIL_DEADLINE_S = 20.0
POLL_S = 0.005
HIT_AIM = 0.5  # a hit's p50 at most this fraction of a miss's: caching must pay
MAIL_AIM_MS = 1000.0  # the send is part of the request, so the mail is there when it answers
HIT, MISS = "Hit from cloudfront", "Miss from cloudfront"


def bench_blog(results: dict[str, Any], aims: Aims, out: Path) -> None:
    state = out / "cloud-blog"
    shutil.rmtree(state, ignore_errors=True)
    with running_cloud(state, fresh=True) as (cloud, wall, _):
        site = urlsplit(str(cloud.stack_output("SiteUrl")))
        dist_id = str(cloud.stack_output("DistributionId"))

        def site_client() -> httpx.Client:
            return https_client(cloud.ca_pem, cloud.edge_origin, host=site.netloc)

        with site_client() as client:
            page = sample_post_page(client)
            print(f"\n[blog] up in {wall:.0f} s; site {site.netloc}, post page {page}")
            figures = post_page(cloud, dist_id, page, client, site_client)
            figures["storm"] = storm(cloud, dist_id, page, site_client, aims)
            figures["mail"] = welcome_mail(cloud, client, aims)
        hit, miss = figures["hit"], figures["miss"]
        ratio = miss["p50_ms"] / hit["p50_ms"]
        aims.check(
            f"blog post page: edge hit p50 <= {HIT_AIM:.0%} of a miss's",
            f"{hit['p50_ms']:.1f} vs {miss['p50_ms']:.1f} ms",
            hit["p50_ms"] <= HIT_AIM * miss["p50_ms"],
        )
        results["blog"] = {"up_wall_s": round(wall, 1), "page": page, "miss_over_hit": ratio}
        results["blog"].update(figures)


def sample_post_page(client: httpx.Client) -> str:
    """The page of the newest English post, as the site's API lists it."""
    listed = client.get("/api/posts", params={"lang": "en"})
    expect_ok(listed)
    items = listed.json()["items"]
    if not items:
        raise RuntimeError("the site lists no English post (were the samples seeded?)")
    return f"/en/posts/{items[0]['slug']}/"


def post_page(
    cloud: LocalCloudHandle,
    dist_id: str,
    page: str,
    client: httpx.Client,
    site_client: Callable[[], httpx.Client],
) -> dict[str, Any]:
    cf = aws_client(cloud, "cloudfront")
    invoked = viewer_invocations(cloud)
    misses = timed_misses(
        "post page, edge miss (S3 via OAC)",
        lambda: invalidate_paths(cf, dist_id, [f"{page}*"]),
        lambda: get_page(client, page, MISS),
        N_MISSES,
    )
    get_page(client, page, HIT)
    hits = timed("post page, edge hit", lambda: get_page(client, page, HIT), N_HITS, WARMUP)
    requests = N_MISSES + 1 + WARMUP + N_HITS
    invoked = viewer_invocations(cloud) - invoked
    if invoked != requests:  # the language choice must run on hits too
        raise RuntimeError(f"{requests} page requests ran the viewer function {invoked} times")

    readers: list[httpx.Client] = []

    def make_call() -> Callable[[], None]:
        reader = site_client()
        readers.append(reader)
        return lambda: get_page(reader, page, HIT)

    # the warm-up round starts the viewer function's extra workers (one per concurrent call)
    try:
        concurrent("warm-up", make_call, THREADS, WARMUP)
        hits_conc = concurrent(
            f"  same, {THREADS} client threads", make_call, THREADS, N_HITS // THREADS
        )
    finally:
        for reader in readers:
            reader.close()
    print_table(
        "blog: GET a post page through the site's distribution (keep-alive HTTPS, "
        "viewer-request Lambda@Edge) — baseline: hit",
        [hits, hits_conc, misses],
        hits,
    )
    print(
        f"  miss p50 / hit p50 = {misses.p50 / hits.p50:.1f}x; hits {hits.throughput:.0f} "
        f"req/s (1 client), {hits_conc.throughput:.0f} req/s ({THREADS} threads); the "
        f"viewer-request function ran on each of the {requests} sequential requests"
    )
    return {"hit": summary(hits), "hit_threads": summary(hits_conc), "miss": summary(misses)}


def viewer_invocations(cloud: LocalCloudHandle) -> int:
    return int(edge_stats(cloud)["lambda_invocations"].get("viewer-request", 0))


def get_page(client: httpx.Client, page: str, expect: str) -> None:
    """GET the page; it must be a 200 that the edge served as `expect` (its X-Cache)."""
    response = client.get(page)
    expect_ok(response)
    if response.headers.get("x-cache") != expect:
        raise RuntimeError(f"GET {page} -> {response.headers.get('x-cache')}, not {expect}")


def storm(
    cloud: LocalCloudHandle,
    dist_id: str,
    page: str,
    site_client: Callable[[], httpx.Client],
    aims: Aims,
) -> dict[str, Any]:
    invalidate_paths(aws_client(cloud, "cloudfront"), dist_id, [f"{page}*"])
    before = edge_stats(cloud)
    sent, rate = read_storm(site_client, page, {}, STORM_READERS, STORM_REQUESTS)
    after = edge_stats(cloud)
    origin = after["origin_requests"] - before["origin_requests"]
    collapsed = after["collapsed"] - before["collapsed"]
    per_1000 = origin * 1000 / sent
    print(
        f"  read storm on {page}: {sent} requests from {STORM_READERS} readers at once "
        f"({rate:.0f} req/s) -> {origin} origin request(s), {collapsed} collapsed into one "
        f"in-flight fetch (aim <= {STORM_AIM:.0f} per 1,000)"
    )
    aims.check(
        f"blog read storm: origin requests per 1,000 <= {STORM_AIM:.0f}",
        f"{per_1000:.1f}",
        per_1000 <= STORM_AIM,
    )
    return {
        "requests": sent,
        "readers": STORM_READERS,
        "origin_requests": origin,
        "origin_requests_per_1000": per_1000,
        "collapsed": collapsed,
        "req_per_s": round(rate, 1),
    }


def welcome_mail(cloud: LocalCloudHandle, client: httpx.Client, aims: Aims) -> dict[str, Any]:
    """The first subscribe apart (its function may be cold: on a small machine the storm's
    viewer-function workers take every local worker slot), then N_MAILS timed."""
    answered: list[float] = []
    delivered: list[float] = []
    polls = 0
    with httpx.Client(base_url=cloud.aws_endpoint, timeout=10) as inbox:
        first = subscribe_until_mailed(client, inbox)
        started = time.perf_counter()
        for _ in range(N_MAILS):
            post_ms, mail_ms, tries = subscribe_until_mailed(client, inbox)
            answered.append(post_ms)
            delivered.append(mail_ms)
            polls += tries
        wall = time.perf_counter() - started
    post = Series("POST /api/subscriptions -> 202", answered, wall)
    mail = Series("POST -> welcome mail in the inbox", delivered, wall)
    print_table(
        f"welcome mail: {N_MAILS} subscribes through the site, each a new address, after a "
        "first one — baseline: the POST's own answer",
        [post, mail],
        post,
    )
    print(
        f"  first subscribe (after the storm): 202 in {first[0]:.0f} ms, mail in "
        f"{first[1]:.0f} ms; inbox polls per mail: {polls / N_MAILS:.1f} "
        f"(every {POLL_S * 1000:.0f} ms)"
    )
    aims.check(
        f"blog welcome mail in the inbox: p99 <= {MAIL_AIM_MS / 1000:.0f} s",
        f"p50 {mail.p50:.0f}, p99 {mail.p99:.0f} ms",
        mail.p99 <= MAIL_AIM_MS,
    )
    return {
        "first": {"post_ms": round(first[0], 1), "inbox_ms": round(first[1], 1)},
        "post": summary(post),
        "inbox": summary(mail),
        "inbox_samples_ms": [round(x, 1) for x in delivered],
        "polls_per_mail": polls / N_MAILS,
    }


def subscribe_until_mailed(client: httpx.Client, inbox: httpx.Client) -> tuple[float, float, int]:
    """Subscribe a new address: (ms to the 202, ms until its mail is in the inbox, polls)."""
    address = f"bench-{secrets.token_hex(6)}@example.com"
    t0 = time.perf_counter()
    response = client.post("/api/subscriptions", json={"email": address, "lang": "en"})
    answered = (time.perf_counter() - t0) * 1000
    if response.status_code != 202:
        raise RuntimeError(f"POST /api/subscriptions -> {response.status_code}")
    polls = wait_for_mail(inbox, address, t0)
    return answered, (time.perf_counter() - t0) * 1000, polls


def wait_for_mail(inbox: httpx.Client, address: str, since: float) -> int:
    """Poll the local inbox until a mail to `address` is there; the number of polls."""
    polls = 0
    while time.perf_counter() - since < MAIL_DEADLINE_S:
        polls += 1
        found = inbox.get("/_aws/ses", params={"to": address})
        expect_ok(found)
        if found.json()["messages"]:
            return polls
        time.sleep(POLL_S)
    raise RuntimeError(f"no welcome mail to {address} after {MAIL_DEADLINE_S:.0f} s")
