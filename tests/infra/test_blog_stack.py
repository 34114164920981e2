"""The blog stack as synthesized (dev and prod, same session synth as the to-do stack)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.infra.blog.stack import blog_stack_name
from tests.infra.conftest import Synth


@pytest.fixture(scope="module", params=["dev", "prod"])
def blog(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Synth:
    base = synths[request.param]
    path = base.outdir / f"{blog_stack_name(request.param)}.template.json"
    return Synth(base.stage, base.outdir, path, json.loads(path.read_text()))


def _policies_of(blog: Synth, role_fragment: str) -> list[dict[str, Any]]:
    out = []
    for logical, res in blog.of_type("AWS::IAM::Policy").items():
        if role_fragment in logical:
            out.extend(res["Properties"]["PolicyDocument"]["Statement"])
    return out


def test_outputs_are_the_documented_ones(blog: Synth) -> None:
    assert {"BlogApiUrl", "BlogUserPoolId", "BlogUserPoolClientId", "SiteBucketName"} <= set(
        blog.template["Outputs"]
    )


def test_tables_are_on_demand_with_pitr_and_the_post_indexes(blog: Synth) -> None:
    tables = blog.of_type("AWS::DynamoDB::Table")
    assert len(tables) == 3
    for table in tables.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    indexes = {
        gsi["IndexName"]
        for t in tables.values()
        for gsi in t["Properties"].get("GlobalSecondaryIndexes", [])
    }
    assert indexes == {"ByLanguage", "ByDate", "ByTranslation"}


def test_site_bucket_is_private_versioned_and_encrypted(blog: Synth) -> None:
    site = next(
        r for k, r in blog.of_type("AWS::S3::Bucket").items() if k.startswith("StorageSiteBucket")
    )["Properties"]
    assert site["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(site["PublicAccessBlockConfiguration"].values())
    assert site["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def test_authors_group_and_ses_resources(blog: Synth) -> None:
    assert blog.one("AWS::Cognito::UserPoolGroup")["Properties"]["GroupName"] == "authors"
    assert blog.one("AWS::SES::EmailIdentity")
    assert blog.one("AWS::SES::ConfigurationSet")
    destination = blog.one("AWS::SES::ConfigurationSetEventDestination")["Properties"]
    assert set(destination["EventDestination"]["MatchingEventTypes"]) == {"bounce", "complaint"}
    names = {
        t["Properties"]["Template"]["TemplateName"]
        for t in blog.of_type("AWS::SES::Template").values()
    }
    assert names == {f"stratus-{blog.stage}-blog-welcome-{lang}" for lang in ("en", "fr", "de")}


def test_public_reads_are_stage_cached_with_query_cache_keys(blog: Synth) -> None:
    stage = blog.one("AWS::ApiGateway::Stage")["Properties"]
    assert stage["CacheClusterEnabled"] is True
    cached = {m["ResourcePath"] for m in stage["MethodSettings"] if m.get("CachingEnabled")}
    assert cached == {"/~1api~1posts", "/~1api~1posts~1{slug}"}
    keys = [
        m["Properties"]["Integration"].get("CacheKeyParameters")
        for m in blog.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "GET"
    ]
    assert [f"method.request.querystring.{p}" for p in ("tag", "lang", "cursor", "limit")] in keys


def test_author_routes_and_comment_posts_need_cognito(blog: Synth) -> None:
    open_methods = [
        m["Properties"]
        for m in blog.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"].get("AuthorizationType", "NONE") == "NONE"
        and m["Properties"]["HttpMethod"] not in ("OPTIONS",)
    ]
    # Public: list, get, comments GET, subscribe, confirm, unsubscribe.
    assert len(open_methods) == 6
    assert all(m["HttpMethod"] in ("GET", "POST") for m in open_methods)


def test_public_function_may_send_only_the_welcome_mail(blog: Synth) -> None:
    statements = _policies_of(blog, "PublicApiFunction")
    ses = [s for s in statements if "ses:SendTemplatedEmail" in json.dumps(s["Action"])]
    assert len(ses) == 1 and len(ses[0]["Resource"]) == 5  # identity, config set, 3 templates
    assert not any("s3:" in json.dumps(s["Action"]) for s in statements)


def test_sample_content_is_a_lambda_backed_custom_resource(blog: Synth) -> None:
    seed = blog.one("Custom::BlogSampleContent")["Properties"]
    assert "SampleContentFunction" in json.dumps(seed["ServiceToken"])
