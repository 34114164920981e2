"""Direct S3 GetObject/PutObject answers are moto's answers, byte for byte.

Two buckets live through the same history. Each request is made twice, once per bucket:
moto's own route answers the first, the direct path the second, both under the same random
seed and frozen clock, so request ids, ETags, dates and version ids must agree exactly
(status, header names in order, values, body). Requests the direct path does not cover
must be refused before any draw or change, and then moto answers both.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

import pytest

from conftest import Wire
from stratus.local.core import determinism
from stratus.local.core.moto_app import MotoApp

SEED, CLOCK = 1234567, 1_764_500_000.25
BODY = os.urandom(10 * 1024)


def moto_route(moto: MotoApp, request: Any) -> Any:
    return moto._dispatch(moto._environ(request))


def stored(moto: MotoApp, bucket: str, key: str) -> dict[str, Any]:
    """What moto keeps of an object, beyond what an answer shows."""
    from moto.s3.models import s3_backends

    backend = s3_backends[moto.account_id]["aws"]
    found = backend.get_object(bucket, key)
    assert found is not None
    acl = found.acl
    return {
        "value": found.value,
        "metadata": dict(found.metadata),
        "acl": None if acl is None else repr(acl),
        "tags": backend.tagger.get_tag_dict_for_resource(found.arn),
        **{
            name: getattr(found, name)
            for name in (
                "etag",
                "size",
                "storage_class",
                "checksum_algorithm",
                "checksum_value",
                "website_redirect_location",
                "encryption",
                "last_modified",
                "version_id",
                "lock_mode",
                "lock_until",
                "lock_legal_status",
            )
        },
    }


class Pair:
    """The same call against bucket A through moto and bucket B directly."""

    def __init__(self, wire: Wire, moto: MotoApp, a: str, b: str) -> None:
        self.wire, self.moto, self.a, self.b = wire, moto, a, b

    def __call__(self, operation: str, direct: bool = True, **params: Any) -> Any:
        first = self.wire.request("s3", operation, Bucket=self.a, **params)
        second = self.wire.request("s3", operation, Bucket=self.b, **params)
        with determinism.context(SEED, CLOCK):
            expected = moto_route(self.moto, first)
        with determinism.context(SEED, CLOCK) as ctx:
            before = ctx.rng.getstate()
            got = self.moto._dispatch.answer_directly(second, self.moto.account_id)
            if not direct:
                assert got is None, f"{operation} {params} was answered directly"
                assert ctx.rng.getstate() == before  # no draw before refusing
                got = moto_route(self.moto, second)
        assert got is not None, f"{operation} {params} fell back to moto"
        if operation == "put_object" and got[0] == 200:
            assert stored(self.moto, self.b, params["Key"]) == stored(
                self.moto, self.a, params["Key"]
            )
        if not direct:  # moto's error bodies name the bucket
            got = (got[0], got[1], got[2].replace(self.b.encode(), self.a.encode()))
        assert got[0] == expected[0]
        assert got[1] == expected[1]
        assert got[2] == expected[2]
        return got


@pytest.fixture(scope="module")
def pair(wire: Wire, moto: MotoApp) -> Pair:
    for name in ("direct-a", "direct-b"):
        status, _ = wire.call("s3", "create_bucket", Bucket=name)
        assert status == 200
    return Pair(wire, moto, "direct-a", "direct-b")


@pytest.fixture(scope="module")
def versioned(wire: Wire, moto: MotoApp) -> Pair:
    for name in ("direct-va", "direct-vb"):
        assert wire.call("s3", "create_bucket", Bucket=name)[0] == 200
        status, _ = wire.call(
            "s3",
            "put_bucket_versioning",
            Bucket=name,
            VersioningConfiguration={"Status": "Enabled"},
        )
        assert status == 200
    return Pair(wire, moto, "direct-va", "direct-vb")


@pytest.mark.parametrize(
    "key",
    ["plain", "dir/sub/file.txt", "spaces and + signs", "unicodé/ключ", "a%2Fb", "trailing/"],
)
def test_put_then_get_of_any_key_is_motos_answer(pair: Pair, key: str) -> None:
    put = pair("put_object", Key=key, Body=BODY)
    assert put[0] == 200
    got = pair("get_object", Key=key)
    assert got[2] == BODY


def test_put_with_metadata_and_content_headers_is_stored_as_moto_stores_it(pair: Pair) -> None:
    pair(
        "put_object",
        Key="meta",
        Body=b"<p>hi</p>",
        ContentType="text/html",
        CacheControl="max-age=60",
        ContentDisposition="inline",
        ContentLanguage="fr",
        Metadata={"owner": "me", "with_underscore": "yes", "Mixed-Case": "v"},
    )
    got = pair("get_object", Key="meta")
    names = [name.lower() for name, _ in got[1]]
    assert "x-amz-meta-owner" in names and "x-amz-meta-with_underscore" in names
    assert ("content-type", "text/html") in [(n.lower(), v) for n, v in got[1]]


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_checksums_are_answered_and_returned_as_moto_does(pair: Pair, algorithm: str) -> None:
    key = f"sum-{algorithm}"
    pair("put_object", Key=key, Body=BODY, ChecksumAlgorithm=algorithm)
    pair("get_object", Key=key)
    got = pair("get_object", Key=key, ChecksumMode="ENABLED")
    assert any(name == f"x-amz-checksum-{algorithm.lower()}" for name, _ in got[1])


def test_content_md5_and_an_empty_body(pair: Pair) -> None:
    md5 = base64.b64encode(hashlib.md5(BODY).digest()).decode()
    pair("put_object", Key="md5", Body=BODY, ContentMD5=md5)
    pair("put_object", Key="empty", Body=b"")
    assert pair("get_object", Key="empty")[2] == b""


@pytest.mark.parametrize(
    ("spec", "direct"),
    [
        ("bytes=0-99", True),
        ("bytes=100-", True),
        ("bytes=-100", True),
        ("bytes=0-0", True),
        ("bytes=5000-999999", True),
        ("bytes=0-1,5-6", True),  # several ranges: moto answers the whole object
        ("bytes=abc", True),  # unparseable: the whole object
        ("bytes=99999-", False),  # unsatisfiable: moto's InvalidRange
        ("bytes=-0", False),
    ],
)
def test_ranges_are_motos(pair: Pair, spec: str, direct: bool) -> None:
    pair("put_object", Key="ranged", Body=BODY)
    got = pair("get_object", direct=direct, Key="ranged", Range=spec)
    if direct and got[0] == 206:
        assert not any(name.startswith("x-amz-checksum-") for name, _ in got[1])


def test_conditional_gets(pair: Pair) -> None:
    put = pair("put_object", Key="cond", Body=BODY)
    etag = dict(put[1])["ETag"]
    pair("get_object", Key="cond", IfMatch=etag)
    pair("get_object", Key="cond", IfMatch=etag.strip('"'))
    pair("get_object", direct=False, Key="cond", IfMatch='"not-it"')  # 412
    pair("get_object", Key="cond", IfNoneMatch='"not-it"')
    pair("get_object", direct=False, Key="cond", IfNoneMatch=etag)  # 304
    pair("get_object", Key="cond", IfModifiedSince="Mon, 01 Jan 2001 00:00:00 GMT")
    pair("get_object", direct=False, Key="cond", IfModifiedSince="Fri, 01 Jan 2100 00:00:00 GMT")
    pair("get_object", Key="cond", IfUnmodifiedSince="Fri, 01 Jan 2100 00:00:00 GMT")
    pair("get_object", direct=False, Key="cond", IfUnmodifiedSince="Mon, 01 Jan 2001 00:00:00 GMT")


def test_conditional_puts(pair: Pair) -> None:
    pair("put_object", Key="fresh-cond", Body=b"one", IfNoneMatch="*")
    pair("put_object", direct=False, Key="fresh-cond", Body=b"two", IfNoneMatch="*")  # 412
    etag = dict(pair("get_object", Key="fresh-cond")[1])["ETag"]
    pair("put_object", Key="fresh-cond", Body=b"three", IfMatch=etag)
    pair("put_object", direct=False, Key="fresh-cond", Body=b"four", IfMatch=etag)  # 412
    pair("put_object", direct=False, Key="never-written", Body=b"x", IfMatch=etag)  # 404
    assert pair("get_object", Key="fresh-cond")[2] == b"three"


def test_versioned_bucket_answers_carry_the_version_id(versioned: Pair) -> None:
    put = versioned("put_object", Key="v", Body=b"first")
    assert "x-amz-version-id" in dict(put[1])
    versioned("put_object", Key="v", Body=b"second")
    got = versioned("get_object", Key="v")
    assert got[2] == b"second" and "x-amz-version-id" in dict(got[1])


def test_what_the_direct_path_does_not_cover_is_left_to_moto(pair: Pair) -> None:
    pair("put_object", direct=False, Key="acl", Body=b"x", ACL="public-read")
    pair("put_object", direct=False, Key="tagged", Body=b"x", Tagging="a=b")
    pair("put_object", direct=False, Key="sse", Body=b"x", ServerSideEncryption="AES256")
    pair("put_object", direct=False, Key="cold", Body=b"x", StorageClass="GLACIER")
    pair("get_object", direct=False, Key="missing")  # NoSuchKey
    pair("get_object", direct=False, Key="tagged", ResponseContentType="text/plain")
    pair("get_object", direct=False, Key="cold")  # InvalidObjectState


def test_a_missing_bucket_is_motos_error(wire: Wire, moto: MotoApp) -> None:
    request = wire.request("s3", "get_object", Bucket="no-such-bucket-here", Key="k")
    assert moto._dispatch.answer_directly(request, moto.account_id) is None
    status, _, body = moto.call(request)
    assert status == 404 and b"NoSuchBucket" in body


def test_browser_requests_are_left_to_moto(wire: Wire, moto: MotoApp, pair: Pair) -> None:
    pair("put_object", Key="cors", Body=b"x")
    request = wire.request("s3", "get_object", Bucket=pair.b, Key="cors")
    request.headers["origin"] = "https://example.test"
    assert moto._dispatch.answer_directly(request, moto.account_id) is None


def test_a_put_through_moto_call_is_direct_and_stored(wire: Wire, moto: MotoApp) -> None:
    from moto.s3.models import s3_backends

    wire.call("s3", "create_bucket", Bucket="direct-stored")
    request = wire.request("s3", "put_object", Bucket="direct-stored", Key="k", Body=b"data")
    assert moto._dispatch.answer_directly(request, moto.account_id) is not None
    key = s3_backends[moto.account_id]["aws"].get_object("direct-stored", "k")
    assert key is not None and key.value == b"data"
    assert key.etag == f'"{hashlib.md5(b"data").hexdigest()}"'
