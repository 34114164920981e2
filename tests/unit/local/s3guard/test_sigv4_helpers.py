"""The SigV4 helpers' quick paths answer exactly what their plain versions answer."""

from __future__ import annotations

import random
from calendar import timegm
from time import strptime

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.credentials import Credentials

from stratus.local.iam.sigv4 import expected_signature, parse_amz_date, server_side_auth


def _strptime_date(value: str) -> float | None:
    try:
        return float(timegm(strptime(value, "%Y%m%dT%H%M%SZ")))
    except (ValueError, OverflowError):
        return None


def test_amz_dates_read_as_strptime_reads_them() -> None:
    odd = [
        "20261130T102500Z",
        "20240229T235959Z",  # a leap day
        "20250229T000000Z",  # not one
        "20261301T000000Z",
        "20261100T000000Z",
        "20261130T235960Z",  # strptime takes a leap second
        "20261130T235961Z",
        "2026113T102500Z",
        "20261130T102500",
        "20261130T102500Zx",
        "",
        "00001130T102500Z",
    ]
    rnd = random.Random(7)
    values = odd + [
        "{:04d}{:02d}{:02d}T{:02d}{:02d}{:02d}Z".format(
            *(rnd.randint(0, top) for top in (9999, 14, 33, 25, 61, 62))
        )
        for _ in range(3000)
    ]
    for value in values:
        assert parse_amz_date(value) == _strptime_date(value), value


def test_signers_made_once_keep_each_request_s_own_inputs() -> None:
    creds = Credentials("AKIDEXAMPLE", "secret")
    first = server_side_auth(
        S3SigV4Auth, creds, "s3", "us-east-1", ["host"], "", "UNSIGNED-PAYLOAD"
    )
    second = server_side_auth(
        S3SigV4Auth, creds, "s3", "us-east-1", ["host", "x-amz-date"], "a=1", "e3b0"
    )
    assert type(first) is type(second)  # one class per signer kind, not per request
    assert isinstance(first, S3SigV4Auth)
    plain = server_side_auth(SigV4Auth, creds, "sqs", "eu-west-1", ["host"], "", "e3b0")
    assert not isinstance(plain, S3SigV4Auth)
    headers = {"host": "h", "x-amz-date": "20261130T102500Z"}
    one = expected_signature(first, "GET", "h", "/b/k", headers, "20261130T102500Z")
    two = expected_signature(second, "GET", "h", "/b/k", headers, "20261130T102500Z")
    assert one[1].splitlines()[2:4] == ["", "host:h"]  # no query; only the host signed
    assert two[1].splitlines()[2:5] == ["a=1", "host:h", "x-amz-date:20261130T102500Z"]
    assert one[0] != two[0]
