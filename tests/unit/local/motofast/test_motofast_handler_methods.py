"""Handler method names are listed once per class, and list what moto lists."""

from __future__ import annotations

import moto.core.responses as responses
from moto.dynamodb.responses import DynamoHandler
from moto.s3.responses import S3Response
from moto.sqs.responses import SQSResponse

from stratus.local.core.moto_app import MotoApp


def test_cached_names_are_moto_names() -> None:
    MotoApp()  # installs the patches
    names = responses.method_names_from_class
    original = names.__wrapped__  # type: ignore[attr-defined]
    for handler in (DynamoHandler, S3Response, SQSResponse):
        assert names(handler) == original(handler)
        assert names(handler) is names(handler)  # listed once
    assert "query" in names(DynamoHandler)
    assert "receive_message" in names(SQSResponse)
