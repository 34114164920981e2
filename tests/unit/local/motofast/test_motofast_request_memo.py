"""A request's raw URL and S3's virtual-host test are worked out once per request, and are
what moto works out."""

from __future__ import annotations

import io
from typing import Any

import pytest
from moto.core.request import Request
from moto.s3.responses import S3Response
from werkzeug.local import LocalProxy

from stratus.local.core.moto_app import MotoApp
from stratus.local.motofast import request_memo


def _environ(host: str, raw_uri: str, query: str = "") -> dict[str, Any]:
    path = raw_uri.split("?", 1)[0]
    name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": raw_uri + (f"?{query}" if query else ""),
        "SERVER_NAME": name or host,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }


CASES = [
    ("127.0.0.1:4566", "/bucket/obj/7", ""),
    ("127.0.0.1:4566", "/bucket/a%20b/%E2%82%AC", "versionId=3&x=%2F"),
    ("localhost:4566", "/bucket/", "list-type=2&prefix=a"),
    ("bucket.s3.amazonaws.com", "/key/with/slashes", ""),
    ("s3.us-west-2.amazonaws.com", "/bucket/key", "uploads"),
    ("bucket.s3.localhost.localstack.cloud:4566", "/k", ""),
    ("[::1]:4566", "/bucket/k", ""),
    ("myhost", "//double/slash", ""),
]


@pytest.fixture(autouse=True)
def _installed() -> None:
    MotoApp()  # installs the patches
    request_memo._URLS.clear()  # each test counts moto's work from an empty URL memo


@pytest.mark.parametrize(("host", "raw_uri", "query"), CASES)
def test_the_kept_answers_are_motos(host: str, raw_uri: str, query: str) -> None:
    request = Request(_environ(host, raw_uri, query))
    url_property: Any = Request.__dict__["raw_url"]
    subdomain: Any = S3Response.__dict__["subdomain_based_buckets"].__func__
    expected_url = url_property.fget.__wrapped__(Request(_environ(host, raw_uri, query)))
    expected_sub = subdomain.__wrapped__(Request(_environ(host, raw_uri, query)))
    assert request.raw_url == expected_url
    assert request.raw_url == expected_url  # the kept one
    assert S3Response.subdomain_based_buckets(request) is expected_sub
    assert S3Response.subdomain_based_buckets(request) is expected_sub


def test_each_is_worked_out_once_per_request() -> None:
    calls = {"url": 0, "sub": 0}
    url_fn: Any = Request.__dict__["raw_url"].fget
    sub_fn: Any = S3Response.__dict__["subdomain_based_buckets"].__func__
    url_original, sub_original = url_fn.__wrapped__, sub_fn.__wrapped__

    def counting_url(self: Any) -> str:
        calls["url"] += 1
        return str(url_original(self))

    def counting_sub(request: Any) -> bool:
        calls["sub"] += 1
        return bool(sub_original(request))

    # the memos close over moto's functions: count moto's work by swapping those cells
    cell_url = next(c for c in url_fn.__closure__ if c.cell_contents is url_original)
    cell_sub = next(c for c in sub_fn.__closure__ if c.cell_contents is sub_original)
    cell_url.cell_contents, cell_sub.cell_contents = counting_url, counting_sub
    try:
        first = Request(_environ("127.0.0.1:4566", "/bucket/k"))
        for _ in range(3):
            assert first.raw_url == "http://127.0.0.1:4566/bucket/k"
            assert S3Response.subdomain_based_buckets(first) is False
        proxied = LocalProxy(lambda: first)
        assert S3Response.subdomain_based_buckets(proxied) is False  # same request
        second = Request(_environ("bucket.s3.amazonaws.com", "/k"))
        assert second.raw_url == "http://bucket.s3.amazonaws.com/k"
        assert S3Response.subdomain_based_buckets(second) is True
    finally:
        cell_url.cell_contents, cell_sub.cell_contents = url_original, sub_original
    assert calls == {"url": 2, "sub": 2}


def test_a_url_is_worked_out_once_for_requests_with_the_same_facts() -> None:
    url_fn: Any = Request.__dict__["raw_url"].fget
    url_original = url_fn.__wrapped__
    calls: list[str] = []

    def counting_url(self: Any) -> str:
        calls.append(self.environ["HTTP_HOST"])
        return str(url_original(self))

    cell_url = next(c for c in url_fn.__closure__ if c.cell_contents is url_original)
    cell_url.cell_contents = counting_url
    try:
        host = "same-facts.example:4566"
        for _ in range(3):
            assert Request(_environ(host, "/t")).raw_url == f"http://{host}/t"
        assert Request(_environ(host, "/t", "q=1")).raw_url == f"http://{host}/t?q=1"
        assert Request(_environ(host, "/u")).raw_url == f"http://{host}/u"
        other = "other-facts.example:4566"
        assert Request(_environ(other, "/t")).raw_url == f"http://{other}/t"
    finally:
        cell_url.cell_contents = url_original
    assert calls == [host, host, host, other]
