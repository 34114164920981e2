"""The reader site's /config.json (the comment sign-in's settings, written by the publisher
from the functions' environment) and the mail links' base read at run time from SSM."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import boto3
import pytest
from blog_cloud import BUCKET, REGION, Cloud, sent_mail
from blog_harness import call

from stratus.blog.api import build_public_app
from stratus.blog.config import BlogConfig
from stratus.blog.publisher import Publisher
from stratus.blog.wiring import production_dependencies

SETTINGS = {"region": REGION, "userPoolId": "us-east-1_pool", "clientId": "client-1",
            "cognitoEndpoint": "https://cognito-idp.us-east-1.amazonaws.com/"}  # fmt: skip


def _publisher(cloud: Cloud, deps: Any, settings: dict[str, str] | None) -> Publisher:
    return Publisher(
        deps.posts(), cloud.s3, BUCKET, site_url="https://blog.example",
        cloudfront=lambda: cloud.cloudfront, distribution_id=cloud.distribution_id,
        site_config=lambda: settings, clock=cloud.clock,
    )  # fmt: skip


def _config(cloud: Cloud) -> tuple[dict[str, Any], dict[str, Any]]:
    found = cloud.s3.get_object(Bucket=BUCKET, Key="config.json")
    return json.loads(found["Body"].read()), found


def test_publish_writes_the_sign_in_config_and_rewrites_it_only_when_it_changes(
    cloud: Cloud, deps: Any
) -> None:
    first = _publisher(cloud, deps, dict(SETTINGS)).rebuild(["en"])
    assert "/config.json" in first.written
    document, head = _config(cloud)
    assert document == {"apiUrl": "/api/", **SETTINGS}
    assert head["ContentType"] == "application/json"
    assert head["CacheControl"] == "public, max-age=60, s-maxage=60"
    assert "/config.json" not in _publisher(cloud, deps, dict(SETTINGS)).rebuild(["en"]).written
    moved = _publisher(cloud, deps, {**SETTINGS, "clientId": "client-2"}).rebuild(["en"])
    assert moved.written == ["/config.json"] and moved.invalidation_id
    assert _config(cloud)[0]["clientId"] == "client-2"


def test_no_sign_in_settings_no_config(cloud: Cloud, deps: Any) -> None:
    _publisher(cloud, deps, None).rebuild(["en"])
    keys = [o["Key"] for o in cloud.s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert "config.json" not in keys and "index.html" in keys


def _env(**extra: str) -> dict[str, str]:
    return {"AWS_REGION": REGION, "POSTS_TABLE_NAME": "posts", "SITE_BUCKET_NAME": BUCKET,
            "USER_POOL_ID": "us-east-1_pool", "USER_POOL_CLIENT_ID": "client-1",
            **extra}  # fmt: skip


def test_config_names_where_the_functions_sdk_sends_cognito_calls(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher = production_dependencies(BlogConfig.from_env(_env())).publisher()
    publisher.rebuild([])
    assert _config(cloud)[0]["cognitoEndpoint"] == "https://cognito-idp.us-east-1.amazonaws.com/"
    # The SDK's own endpoint setting (the local cloud sets AWS_ENDPOINT_URL for every service;
    # the service-specific one keeps this test's S3 on moto).
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "http://127.0.0.1:4566")
    production_dependencies(BlogConfig.from_env(_env())).publisher().rebuild([])
    document = _config(cloud)[0]
    assert document["cognitoEndpoint"] == "http://127.0.0.1:4566/"
    assert (document["userPoolId"], document["clientId"]) == ("us-east-1_pool", "client-1")


def test_mail_links_name_the_site_url_parameter_read_once(cloud: Cloud, deps: Any) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/blog/site-url", Value="https://d1.cloudfront.net/", Type="String")
    wired = production_dependencies(BlogConfig.from_env(_env(SITE_URL_PARAMETER="/blog/site-url")))
    assert (
        callable(wired.public_base_url) and wired.public_base_url() == "https://d1.cloudfront.net/"
    )
    ssm.put_parameter(
        Name="/blog/site-url", Value="https://changed/", Type="String", Overwrite=True
    )
    assert wired.public_base_url() == "https://d1.cloudfront.net/"  # cached after the first read
    missing = production_dependencies(BlogConfig.from_env(_env(SITE_URL_PARAMETER="/blog/none")))
    assert callable(missing.public_base_url) and missing.public_base_url() is None
    ssm.delete_parameter(Name="/blog/site-url")

    public = build_public_app(dataclasses.replace(deps, public_base_url=wired.public_base_url))
    assert call(public, "POST", "/api/subscriptions", {"email": "cy@example.com"})[0] == 202
    mail = sent_mail(cloud)[-1]
    assert mail["confirm_url"].startswith("https://d1.cloudfront.net/api/subscriptions/confirm?")
    assert mail["unsubscribe_url"].startswith("https://d1.cloudfront.net/api/subscriptions/unsub")
