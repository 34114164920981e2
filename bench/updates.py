"""The update storm: N clients fetch the manifest and the 100 MiB release binary at once,
through the local CloudFront, then the same clients straight from the origin (the ALB), in
one run of `stratus up --system updates`.

Each client GETs `/manifest.json`, then streams the binary it names (counting bytes; the
first two clients of each phase also check its sha256), timed from the first request to
the last byte. Per phase: origin requests and bytes (the instances' access-log lines
written during the phase), origin CPU seconds (utime + stime of the instances' server
processes from /proc/<pid>/stat), client p50/p99 time to complete. The CloudFront phase
starts on a cold edge cache, so its one miss per object is counted. Aim: the edge offloads
at least 99% of the origin's requests and bytes. Memory stays bounded: clients stream,
the edge sends its one cached copy in slices.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.aims import Aims
from bench.cloud import running_cloud
from bench.stats import Series, print_table, summary

CLIENTS = int(os.environ.get("BENCH_UPDATE_CLIENTS", "200"))
OFFLOAD_AIM = 0.99
PHASE_TIMEOUT_S = 900.0
READY_TIMEOUT_S = 180.0
CHECKED = 2  # clients per phase that verify the binary's sha256
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    name: str
    series: Series
    origin_requests: int
    origin_bytes: int
    origin_cpu_s: float
    client_requests: int
    client_bytes: int
    failures: int


def group_dir(state: Path) -> Path:
    found = sorted((state / "autoscaling").glob("*/instances.json"))
    if not found:
        raise RuntimeError("no Auto Scaling group is running")
    return found[0].parent


def wait_for_instances(state: Path, count: int = 2) -> dict[str, Any]:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            status: dict[str, Any] = json.loads((group_dir(state) / "instances.json").read_text())
        except (RuntimeError, ValueError):
            status = {"instances": []}
        if sum(i["state"] == "in-service" for i in status["instances"]) >= count:
            return status
        time.sleep(0.5)
    raise RuntimeError(f"fewer than {count} instances in service after {READY_TIMEOUT_S:.0f} s")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (after the comm field)
    return total / TICKS


def log_offsets(logs: Path) -> dict[Path, int]:
    return {path: path.stat().st_size for path in logs.glob("*.log")}


def origin_traffic(logs: Path, since: dict[Path, int]) -> tuple[int, int]:
    """(requests, body bytes) the instances logged after `since`, health checks aside."""
    requests = sent = 0
    for path in logs.glob("*.log"):
        with path.open("rb") as handle:
            handle.seek(since.get(path, 0))
            for raw in handle:
                line = raw.decode(errors="replace").rstrip()
                if '"GET ' not in line or '"GET /health"' in line:
                    continue
                requests += 1
                sent += int(line.rsplit(" ", 1)[1])
    return requests, sent


def loopback(url: str) -> tuple[str, str]:
    """(base URL on 127.0.0.1, Host header): Python does not resolve `*.localhost`."""
    parts = httpx.URL(url)
    return f"{parts.scheme}://127.0.0.1:{parts.port}", f"{parts.host}:{parts.port}"


async def one_client(
    client: httpx.AsyncClient, host: str, check: bool, start: asyncio.Event
) -> tuple[float, int, int, bool]:
    """(ms to complete, requests, bytes, ok)."""
    await start.wait()
    began = time.perf_counter()
    headers = {"host": host}
    manifest = await client.get("/manifest.json", headers=headers)
    if manifest.status_code != 200:
        return (time.perf_counter() - began) * 1000, 1, len(manifest.content), False
    entry = manifest.json()["releases"][0]["files"][0]
    got, digest = 0, hashlib.sha256() if check else None
    async with client.stream("GET", "/" + entry["name"], headers=headers) as response:
        async for chunk in response.aiter_raw(1024 * 1024):
            got += len(chunk)
            if digest is not None:
                digest.update(chunk)
    ok = response.status_code == 200 and got == entry["size"]
    if digest is not None:
        ok = ok and digest.hexdigest() == entry["sha256"]
    elapsed = (time.perf_counter() - began) * 1000
    return elapsed, 2, got + len(manifest.content), ok


async def storm(
    base: str, host: str, ca: Path | None
) -> tuple[list[tuple[float, int, int, bool]], float]:
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca else False
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    timeout = httpx.Timeout(PHASE_TIMEOUT_S, connect=60.0)
    async with httpx.AsyncClient(
        base_url=base, verify=verify, limits=limits, timeout=timeout, trust_env=False
    ) as client:
        start = asyncio.Event()
        tasks = [
            asyncio.create_task(one_client(client, host, i < CHECKED, start))
            for i in range(CLIENTS)
        ]
        began = time.perf_counter()
        start.set()
        done = await asyncio.wait_for(
            asyncio.gather(*tasks, return_exceptions=True), PHASE_TIMEOUT_S
        )
        wall = time.perf_counter() - began
    out: list[tuple[float, int, int, bool]] = []
    for item in done:
        out.append(item if isinstance(item, tuple) else (wall * 1000, 0, 0, False))
    return out, wall


def run_phase(name: str, url: str, ca: Path | None, state: Path) -> Phase:
    status = wait_for_instances(state)
    pids = [pid for i in status["instances"] for pid in i["pids"]]
    logs = group_dir(state) / "logs"
    offsets, cpu_before = log_offsets(logs), cpu_seconds(pids)
    base, host = loopback(url)
    results, wall = asyncio.run(storm(base, host, ca))
    time.sleep(0.5)  # the last access-log lines
    requests, sent = origin_traffic(logs, offsets)
    return Phase(
        name=name,
        series=Series(name, [r[0] for r in results], wall),
        origin_requests=requests,
        origin_bytes=sent,
        origin_cpu_s=cpu_seconds(pids) - cpu_before,
        client_requests=sum(r[1] for r in results),
        client_bytes=sum(r[2] for r in results),
        failures=sum(not r[3] for r in results),
    )


def print_origin(edge: Phase, direct: Phase) -> None:
    print(f"\nupdate storm ({CLIENTS} clients): what reached the origin")
    print(f"  {'':34} {'requests':>10} {'MB':>10} {'CPU s':>8} {'failed':>7}")
    for p in (edge, direct):
        mb = p.origin_bytes / 1e6
        print(
            f"  {p.name:34} {p.origin_requests:10} {mb:10.1f} {p.origin_cpu_s:8.2f} {p.failures:7}"
        )

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.4f}x" if b else "n/a"

    print(
        f"  {'edge / direct':34} {ratio(edge.origin_requests, direct.origin_requests):>10} "
        f"{ratio(edge.origin_bytes, direct.origin_bytes):>10} "
        f"{ratio(edge.origin_cpu_s, direct.origin_cpu_s):>8}"
    )


def bench_updates(results: dict[str, Any], aims: Aims, out: Path) -> None:
    state = out / "cloud-updates"
    shutil.rmtree(state, ignore_errors=True)
    with running_cloud(state, fresh=True, extra_args=["--system", "updates"]) as (cloud, wall, _):
        print(f"\n[updates] up in {wall:.0f} s; {CLIENTS} clients per phase")
        stack = next(v for v in cloud.outputs.values() if "UpdatesUrl" in v)
        edge = run_phase("through CloudFront", str(stack["UpdatesUrl"]), cloud.ca_pem, state)
        direct = run_phase("origin (ALB) directly", str(stack["UpdatesOriginUrl"]), None, state)
    print_table(
        f"update storm: manifest + 100 MiB binary per client ({CLIENTS} at once)",
        [edge.series, direct.series],
        direct.series,
    )
    print_origin(edge, direct)
    offload_requests = 1 - edge.origin_requests / max(1, edge.client_requests)
    offload_bytes = 1 - edge.origin_bytes / max(1, edge.client_bytes)
    results["updates"] = {
        "clients": CLIENTS,
        phase_key(edge): phase_json(edge),
        phase_key(direct): phase_json(direct),
        "offload_requests": round(offload_requests, 5),
        "offload_bytes": round(offload_bytes, 5),
    }
    aims.check(
        f"update storm: origin offload of requests >= {OFFLOAD_AIM:.0%}",
        f"{offload_requests:.2%}",
        offload_requests >= OFFLOAD_AIM and edge.failures == 0,
    )
    aims.check(
        f"update storm: origin offload of bytes >= {OFFLOAD_AIM:.0%}",
        f"{offload_bytes:.2%}",
        offload_bytes >= OFFLOAD_AIM and edge.failures == 0,
    )


def phase_key(phase: Phase) -> str:
    return "cloudfront" if "CloudFront" in phase.name else "direct"


def phase_json(phase: Phase) -> dict[str, Any]:
    return {
        **summary(phase.series),
        "origin_requests": phase.origin_requests,
        "origin_bytes": phase.origin_bytes,
        "origin_cpu_s": round(phase.origin_cpu_s, 2),
        "client_requests": phase.client_requests,
        "client_bytes": phase.client_bytes,
        "failures": phase.failures,
    }
