"""moto-backed fixtures for the blog (the world itself is in blog_cloud.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from blog_cloud import (
    ENV,
    REGION,
    Cloud,
    RecordingSes,
    create_resources,
    empty,
    make_deps,
)
from moto import mock_aws
from todo_harness import FakeClock

from stratus.blog.api import Dependencies, build_admin_app, build_public_app


@pytest.fixture(scope="module")
def _moto() -> Iterator[Cloud]:
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        for name, value in ENV.items():
            patch.setenv(name, value)
        with mock_aws():
            clients = {
                n: boto3.client(n, region_name=REGION)
                for n in ("dynamodb", "s3", "ses", "cloudfront", "secretsmanager")
            }
            arn = clients["secretsmanager"].create_secret(Name="blog-key", SecretString="k" * 40)[
                "ARN"
            ]
            dist = create_resources(
                clients["dynamodb"], clients["s3"], clients["ses"], clients["cloudfront"]
            )
            yield Cloud(
                clients["dynamodb"], clients["s3"], RecordingSes(clients["ses"]),
                clients["cloudfront"], clients["secretsmanager"], arn, dist, FakeClock(),
            )  # fmt: skip


@pytest.fixture
def cloud(_moto: Cloud) -> Cloud:
    empty(_moto)
    _moto.clock = FakeClock()
    return _moto


@pytest.fixture
def deps(cloud: Cloud) -> Dependencies:
    return make_deps(cloud)


@pytest.fixture
def public(deps: Dependencies) -> Any:
    return build_public_app(deps)


@pytest.fixture
def admin(deps: Dependencies) -> Any:
    return build_admin_app(deps)
