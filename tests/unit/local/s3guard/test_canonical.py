"""The S3 guard's direct signature (`canonical.expected`) equals botocore's server-side S3
signer on every request shape it takes, and declines the shapes it leaves to botocore."""

from __future__ import annotations

import random
from typing import Any

import pytest

from stratus.local.core.aws_request import AwsRequest
from stratus.local.iam.credentials import Principal
from stratus.local.s3guard import canonical
from stratus.local.s3guard.sigv4 import Scope, _botocore_expected, canonical_query

PRINCIPAL = Principal(access_key_id="AKIDEXAMPLE", secret_access_key="wJalr/K7+MDENG", kind="user")
DATE = "20261130T102500Z"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _request(
    method: str, raw_path: str, headers: dict[str, str], query_string: str = ""
) -> AwsRequest:
    return AwsRequest(method, raw_path, raw_path, query_string, headers, b"")


def _both(request: AwsRequest, signed: list[str], payload: str) -> tuple[Any, Any]:
    query = canonical_query(request.query_string, drop="X-Amz-Signature")
    scope = Scope(PRINCIPAL.access_key_id, DATE[:8], "us-east-1", "s3")
    fast = canonical.expected(
        secret=PRINCIPAL.secret_access_key,
        region="us-east-1",
        service="s3",
        method=request.method,
        host=request.headers.get("host", "localhost"),
        raw_path=request.raw_path,
        headers=request.headers,
        signed=signed,
        query=query,
        payload=payload,
        amz_date=DATE,
    )
    slow = _botocore_expected(
        request, PRINCIPAL, scope, signed=signed, query=query, payload=payload, amz_date=DATE
    )
    return fast, slow


def _headers(**extra: str) -> dict[str, str]:
    return {
        "host": "127.0.0.1:4566",
        "x-amz-date": DATE,
        "x-amz-content-sha256": SHA,
        "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==",
        **extra,
    }


CASES: list[tuple[str, str, dict[str, str], str, list[str], str]] = [
    (
        "PUT",
        "/bucket/obj/7",
        _headers(),
        "",
        ["content-md5", "host", "x-amz-content-sha256", "x-amz-date"],
        SHA,
    ),
    ("GET", "/bucket/obj/7", _headers(), "", ["host", "x-amz-date"], SHA),
    (
        "GET",
        "/bucket",
        _headers(),
        "list-type=2&prefix=a%2Fb&max-keys=10",
        ["host", "x-amz-date"],
        SHA,
    ),
    ("GET", "/bucket/", _headers(), "uploads", ["host", "x-amz-content-sha256", "x-amz-date"], SHA),
    ("PUT", "/bucket/a%20b/%E2%82%AC+x~y", _headers(), "", ["host", "x-amz-date"], SHA),
    ("PUT", "/bucket/caf\u00c3\u00a9", _headers(), "", ["host", "x-amz-date"], SHA),  # raw UTF-8
    (
        "PUT",
        "/bucket/k",
        _headers(**{"x-amz-meta-note": "  two   spaces\tand tab  "}),
        "",
        ["host", "x-amz-date", "x-amz-meta-note"],
        SHA,
    ),
    (
        "PUT",
        "/bucket/k",
        _headers(**{"x-amz-meta-a": "1,2", "x-amz-tagging": "k=v&a=b"}),
        "",
        ["host", "x-amz-date", "x-amz-meta-a", "x-amz-tagging"],
        SHA,
    ),
    ("GET", "/bucket/k", _headers(), "", ["host", "range", "x-amz-date"], SHA),  # signed, absent
    (
        "GET",
        "/bucket/k",
        {"host": "localhost"},
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261130%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261130T102500Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
        ["host"],
        "UNSIGNED-PAYLOAD",
    ),
    ("GET", "/bucket/k", _headers(), "", ["host", "x-amz-content-sha256"], "UNSIGNED-PAYLOAD"),
    ("delete", "/bucket/k", _headers(), "versionId=3", ["host", "x-amz-date"], SHA),
    ("GET", "/", _headers(), "", ["host", "x-amz-date"], SHA),
    ("GET", "", _headers(), "", ["host", "x-amz-date"], SHA),
    (
        "PUT",
        "/bucket/k",
        _headers(**{"x-amz-meta-latin": "caf\u00e9\u00a0x"}),
        "",
        ["host", "x-amz-date", "x-amz-meta-latin"],
        SHA,
    ),
]


@pytest.mark.parametrize(("method", "path", "headers", "query", "signed", "payload"), CASES)
def test_the_direct_signature_is_botocores(
    method: str, path: str, headers: dict[str, str], query: str, signed: list[str], payload: str
) -> None:
    fast, slow = _both(_request(method, path, headers, query), signed, payload)
    assert fast == slow


def test_random_paths_headers_and_queries_sign_as_botocore_signs() -> None:
    rnd = random.Random(11)
    alphabet = "abcXYZ019-_.~%/+= ,;:!*'()$&\u00e9\u00a0\t"
    for _ in range(300):
        path = "/" + "".join(
            rnd.choice(alphabet.replace("\t", "")) for _ in range(rnd.randint(0, 20))
        )
        value = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 15)))
        query = "&".join(
            f"{rnd.choice('abXY')}{i}={''.join(rnd.choice('ab%20/+=') for _ in range(3))}"
            for i in range(rnd.randint(0, 3))
        )
        headers = _headers(**{"x-amz-meta-r": value})
        signed = sorted(
            rnd.sample(
                ["host", "x-amz-date", "x-amz-meta-r", "content-md5", "x-amz-content-sha256"],
                rnd.randint(1, 5),
            )
        )
        fast, slow = _both(_request("PUT", path, headers, query), signed, SHA)
        assert fast == slow, (path, value, query, signed)


@pytest.mark.parametrize(
    ("path", "host", "signed"),
    [
        ("/bucket/a?b", "127.0.0.1", ["host"]),  # urlsplit would cut the path
        ("/bucket/a#b", "127.0.0.1", ["host"]),
        ("/bucket/k", "evil/host", ["host"]),  # the netloc would end early
        ("/bucket/k", "127.0.0.1", ["host", "host"]),  # a repeated name
        ("/bucket/k", "127.0.0.1", ["Host"]),  # not lower case
        ("bucket/k", "127.0.0.1", ["host"]),  # no leading slash
    ],
)
def test_shapes_left_to_botocore_are_declined(path: str, host: str, signed: list[str]) -> None:
    fast, _slow = _both(_request("GET", path, _headers(host=host)), signed, SHA)
    assert fast is None


def test_a_wrong_secret_gives_another_signature() -> None:
    request = _request("GET", "/bucket/k", _headers())
    good, _ = _both(request, ["host", "x-amz-date"], SHA)
    other = canonical.expected(
        secret="not-it",
        region="us-east-1",
        service="s3",
        method="GET",
        host="127.0.0.1:4566",
        raw_path="/bucket/k",
        headers=request.headers,
        signed=["host", "x-amz-date"],
        query="",
        payload=SHA,
        amz_date=DATE,
    )
    assert good is not None and other is not None
    assert other[0] != good[0] and other[1:] == good[1:]
