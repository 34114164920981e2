"""Request loops: sequential and threaded, over keep-alive HTTPS, plus an in-process loop.

Every loop is bounded by a count; samples are per-request wall times in milliseconds.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.stats import Series


def https_client(ca_pem: Path, base_url: str = "", host: str | None = None) -> httpx.Client:
    """Keep-alive HTTPS trusting the local CA.

    `host` (`name[:port]`): connect to `base_url`'s address but ask for this host, as a
    browser that resolved the name would: it is the Host header and the TLS server name
    (SNI). For names the system resolver does not know, e.g. a distribution's
    `*.cloudfront.localhost` domain on the local edge.
    """
    hooks: dict[str, list[Callable[[httpx.Request], None]]] = {}
    headers = {}
    if host is not None:
        server_name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host

        def present(request: httpx.Request) -> None:
            request.extensions["sni_hostname"] = server_name

        hooks["request"] = [present]
        headers["Host"] = host
    return httpx.Client(
        base_url=base_url,
        verify=ssl.create_default_context(cafile=str(ca_pem)),
        timeout=30,
        headers=headers,
        event_hooks=hooks,
    )


def timed(name: str, call: Callable[[], Any], n: int, warmup: int) -> Series:
    """Call `call` warmup times untimed, then n times timed, one after another."""
    for _ in range(warmup):
        call()
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    return Series(name, samples, time.perf_counter() - started)


def get_ok(client: httpx.Client, url: str, headers: dict[str, str]) -> Callable[[], None]:
    def call() -> None:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} -> {response.status_code}: {response.text[:200]}")

    return call


def concurrent(
    name: str, make_call: Callable[[], Callable[[], None]], threads: int, per_thread: int
) -> Series:
    """`threads` clients (one connection each) each making `per_thread` requests."""
    calls = [make_call() for _ in range(threads)]
    for call in calls:
        call()  # open each connection before the clock starts
    samples: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            for _ in range(per_thread):
                t0 = time.perf_counter()
                calls[i]()
                samples[i].append((time.perf_counter() - t0) * 1000)
        except BaseException as exc:  # reported after join
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join(timeout=120)
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return Series(name, [s for chunk in samples for s in chunk], wall)
