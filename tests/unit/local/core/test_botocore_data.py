"""Sessions of the local cloud's process read botocore's documents through one loader."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import boto3.session
import botocore.loaders

from stratus.local.core import service_index
from stratus.local.core.botocore_data import LeanJSONFileLoader, boto3_session, shared_loader


def _client(session: boto3.session.Session, service: str) -> object:
    return session.client(  # type: ignore[call-overload]
        service, endpoint_url="http://127.0.0.1:1", region_name="us-east-1"
    )


def test_sessions_share_one_loader_and_one_parsed_model() -> None:
    first = boto3_session(aws_access_key_id="a", aws_secret_access_key="b")
    second = boto3_session(
        aws_access_key_id="c", aws_secret_access_key="d", region_name="eu-west-1"
    )
    plain = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b")

    loaders = {id(s._session.get_component("data_loader")) for s in (first, second)}
    assert loaders == {id(shared_loader())}
    assert id(plain._session.get_component("data_loader")) not in loaders

    one = _client(first, "dynamodb").meta.service_model._service_description  # type: ignore[attr-defined]
    two = _client(second, "dynamodb").meta.service_model._service_description  # type: ignore[attr-defined]
    apart = _client(plain, "dynamodb").meta.service_model._service_description  # type: ignore[attr-defined]
    assert one is two
    assert one is not apart
    assert one["operations"].keys() == apart["operations"].keys()
    assert one["shapes"].keys() == apart["shapes"].keys()


def test_the_router_index_reads_the_same_models() -> None:
    session = boto3_session(aws_access_key_id="a", aws_secret_access_key="b")
    described = _client(session, "sqs").meta.service_model._service_description  # type: ignore[attr-defined]
    assert service_index.service_model("sqs") is described


def test_search_paths_stay_free_of_repeats() -> None:
    for _ in range(3):
        boto3_session()
    paths = shared_loader().search_paths
    assert len(paths) == len(set(paths))


def _walk(obj: Any) -> Iterator[dict[str, Any]]:
    if isinstance(obj, dict):
        yield obj
        for value in obj.values():
            yield from _walk(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _walk(value)


def _model(loader: botocore.loaders.Loader, service: str) -> dict[str, Any]:
    data: dict[str, Any] = loader.load_service_model(service, "service-2")
    return data


def test_lean_models_are_plain_dicts_without_documentation_and_otherwise_the_same() -> None:
    plain = botocore.loaders.create_loader()
    plain.file_loader = botocore.loaders.JSONFileLoader()  # botocore's own, even after install
    lean = botocore.loaders.create_loader()
    lean.file_loader = LeanJSONFileLoader()
    for service in ("ec2", "s3", "dynamodb", "sqs"):
        full, small = _model(plain, service), _model(lean, service)
        assert isinstance(full["shapes"], OrderedDict)
        assert not any(isinstance(d, OrderedDict) for d in _walk(small))
        assert not any(d.get("documentation") for d in _walk(small))  # "" kept: see below
        assert any(isinstance(d.get("documentation"), str) for d in _walk(full))
        for d in _walk(full):  # what is left once the documentation strings are dropped
            if isinstance(d.get("documentation"), str):
                del d["documentation"]
            if isinstance(d.get("documentationUrl"), str):
                del d["documentationUrl"]
        for param in (full.get("clientContextParams") or {}).values():
            param["documentation"] = ""  # the one botocore indexes, kept empty
        assert small == full


def test_a_client_on_lean_models_resolves_endpoints_and_signs_as_on_botocore_s() -> None:
    """S3's client context parameters (botocore indexes their `documentation`) still work:
    a pre-signed URL resolves the endpoint ruleset and signs the same way."""
    key, secret = "AKIDEXAMPLE", "secret"
    lean = boto3_session(aws_access_key_id=key, aws_secret_access_key=secret).client(
        "s3", region_name="eu-west-1"
    )
    plain = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret).client(
        "s3", region_name="eu-west-1"
    )
    described = [(p.name, p.type) for p in lean.meta.service_model.client_context_parameters]
    assert described == [
        (p.name, p.type) for p in plain.meta.service_model.client_context_parameters
    ]
    params = {"Bucket": "bucket", "Key": "a/key.txt"}
    urls = [
        c.generate_presigned_url("get_object", Params=params, ExpiresIn=60) for c in (lean, plain)
    ]
    assert urls[0].split("Signature")[0] == urls[1].split("Signature")[0]
    assert urls[0].startswith("https://bucket.s3.amazonaws.com/a/key.txt?AWSAccessKeyId=")
