"""Sessions of the local cloud's process read botocore's documents through one loader."""

from __future__ import annotations

import boto3.session

from stratus.local.core import service_index
from stratus.local.core.botocore_data import boto3_session, shared_loader


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
    assert one is not apart and one == apart


def test_the_router_index_reads_the_same_models() -> None:
    session = boto3_session(aws_access_key_id="a", aws_secret_access_key="b")
    described = _client(session, "sqs").meta.service_model._service_description  # type: ignore[attr-defined]
    assert service_index.service_model("sqs") is described


def test_search_paths_stay_free_of_repeats() -> None:
    for _ in range(3):
        boto3_session()
    paths = shared_loader().search_paths
    assert len(paths) == len(set(paths))
