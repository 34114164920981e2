"""API Gateway figures on one local cloud serving the `apigw_cache` fixture app
(tests/fixtures/apps/apigw_cache):

- the stage cache: GET /items (cached, one cache key) against GET /nocache (the same Lambda
  proxy integration with caching disabled) — p50, req/s, and the function's invocations per
  1,000 requests (each invocation answers a new id, so distinct ids are invocations);
- a VTL mapping's added latency: GET /templated (Lambda non-proxy with a request and a
  response template) against GET /plain (the same function, non-proxy, no templates).

Both pairs run interleaved (bench/interleave.py), so machine noise falls on both sides.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from tests.conftest import ROOT, start_local_cloud, stop_local_cloud

from bench.aims import Aims
from bench.interleave import Side, interleaved
from bench.load import https_client
from bench.rawcalls import Op
from bench.stats import Series, print_table

APP = ROOT / "tests" / "fixtures" / "apps" / "apigw_cache"
N = 400
# The fixture's function is trivial (a warm worker answers in well under a millisecond), so
# the cache saves little time here; what it must do is answer faster and not invoke.


def _getter(api: httpx.Client, path: str, ids: list[str] | None = None) -> Callable[[int], Any]:
    def call(i: int) -> None:
        response = api.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code}: {response.text[:200]}")
        if ids is not None:  # warm-up calls too: the first miss is an invocation
            ids.append(str(response.json()["id"]))

    return call


def measure(
    state_dir: Path,
) -> tuple[dict[str, Series], dict[str, Series], dict[str, float], int]:
    app_dir = state_dir / "apigw_cache"
    shutil.rmtree(state_dir, ignore_errors=True)
    shutil.copytree(APP, app_dir, ignore=shutil.ignore_patterns(".stratus", "cdk.out"))
    proc, cloud = start_local_cloud(None, app_dir=app_dir)
    try:
        base = f"{cloud.gateway_origin}/restapis/{cloud.stack_output('ApiId')}/prod/"
        with https_client(cloud.ca_pem, base) as api:
            cached_ids: list[str] = []
            uncached_ids: list[str] = []
            cache = interleaved(
                [
                    Side("cached", {"GET": Op("GET", _getter(api, "items", cached_ids), N)}),
                    Side("uncached", {"GET": Op("GET", _getter(api, "nocache", uncached_ids), N)}),
                ],
                ["GET"],
            )["GET"]
            vtl = interleaved(
                [
                    Side("templates", {"GET": Op("GET", _getter(api, "templated"), N)}),
                    Side("no templates", {"GET": Op("GET", _getter(api, "plain"), N)}),
                ],
                ["GET"],
            )["GET"]
    finally:
        stop_local_cloud(proc)
    per_1000 = {
        "cached": 1000 * len(set(cached_ids)) / max(1, len(cached_ids)),
        "uncached": 1000 * len(set(uncached_ids)) / max(1, len(uncached_ids)),
    }
    return cache, vtl, per_1000, len(set(cached_ids))


def bench_gateway(results: dict[str, Any], aims: Aims, out: Path) -> None:
    cache, vtl, per_1000, cached_invocations = measure(out / "gateway-cloud")
    cached, uncached = cache["cached"], cache["uncached"]
    print_table(
        "11. API Gateway stage cache: GET, Lambda proxy, keep-alive HTTPS — baseline: uncached",
        [cached, uncached],
        uncached,
    )
    print(
        f"  function invocations per 1,000 requests: cached {per_1000['cached']:.1f}, "
        f"uncached {per_1000['uncached']:.1f}"
    )
    speedup = uncached.p50 / cached.p50
    print(
        f"  cached vs uncached: p50 {speedup:.1f}x faster, "
        f"throughput {cached.throughput / uncached.throughput:.1f}x"
    )
    templated, plain = vtl["templates"], vtl["no templates"]
    print_table(
        "12. VTL mapping: Lambda non-proxy GET with request+response templates — baseline: none",
        [templated, plain],
        plain,
    )
    added = templated.p50 - plain.p50
    print(f"  added by the two templates (p50): {added:.2f} ms")
    aims.check("cached GET p50 below the uncached GET's", f"{speedup:.1f}x", speedup > 1.0)
    aims.check(
        "cached GET: the function runs once (the first miss) in all",
        f"{cached_invocations} invocation(s)",
        cached_invocations == 1,
    )

    def figures(s: Series) -> dict[str, Any]:
        return {
            "n": len(s.samples_ms),
            "p50_ms": round(s.p50, 3),
            "p99_ms": round(s.p99, 3),
            "req_per_s": round(s.throughput, 1),
        }

    results["gateway"] = {
        "cache": {
            "cached": figures(cached),
            "uncached": figures(uncached),
            "p50_ratio": round(speedup, 2),
            "invocations_per_1000": {k: round(v, 1) for k, v in per_1000.items()},
        },
        "vtl": {
            "templates": figures(templated),
            "no_templates": figures(plain),
            "added_p50_ms": round(added, 3),
        },
    }
