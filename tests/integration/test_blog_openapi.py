"""The committed blog OpenAPI document (`sdk/blog/openapi.json`) is what the running stage
exports, with the code's bodies: a route added to the CDK API or the code without
regenerating (`make blog-openapi`) fails here."""

from __future__ import annotations

import pytest

from stratus.blog.openapi import code_document, committed, fetch_export, merge
from tests.conftest import LocalCloudHandle
from tests.integration.conftest import aws_client

pytestmark = pytest.mark.integration


def test_committed_document_is_the_running_stages_export(local_cloud: LocalCloudHandle) -> None:
    export = fetch_export(aws_client(local_cloud, "apigateway"))
    assert export["paths"], export
    fresh = merge(export, code_document())
    doc = committed()
    assert sorted(fresh["paths"]) == sorted(doc["paths"]), "routes changed: make blog-openapi"
    assert fresh == doc, "sdk/blog/openapi.json is stale: run `make blog-openapi` and commit it"
