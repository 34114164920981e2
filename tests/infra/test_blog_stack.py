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


def _distribution(blog: Synth) -> dict[str, Any]:
    return blog.one("AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]  # type: ignore[no-any-return]


def _cache_policy(blog: Synth, ref: dict[str, Any]) -> dict[str, Any]:
    return blog.resources[ref["Ref"]]["Properties"]["CachePolicyConfig"]  # type: ignore[no-any-return]


def _parameter(synth: Synth, name: str) -> dict[str, Any]:
    [found] = [r["Properties"] for r in synth.of_type("AWS::SSM::Parameter").values()
               if r["Properties"]["Name"] == name]  # fmt: skip
    return found


def _function(synth: Synth, prefix: str) -> dict[str, Any]:
    [found] = [f["Properties"] for k, f in synth.of_type("AWS::Lambda::Function").items()
               if k.startswith(prefix)]  # fmt: skip
    return found


def test_mail_links_read_the_site_url_parameter_written_after_the_distribution(
    blog: Synth,
) -> None:
    name = f"/stratus/{blog.stage}/blog/site-url"
    param = _parameter(blog, name)
    [dist] = blog.of_type("AWS::CloudFront::Distribution")
    assert param["Value"] == {"Fn::Join": ["", [
        "https://", {"Fn::GetAtt": [dist, "DomainName"]}, "/"]]}  # fmt: skip
    env = _function(blog, "PublicApiFunction")["Environment"]["Variables"]
    assert env["SITE_URL_PARAMETER"] == name and "PUBLIC_BASE_URL" not in env
    reads = [s for s in _policies_of(blog, "PublicApiFunctionRole")
             if s["Action"] == "ssm:GetParameter"]  # fmt: skip
    assert len(reads) == 1 and name.lstrip("/") in json.dumps(reads[0]["Resource"])


def test_publishers_write_the_sign_in_config_from_the_pool_and_client(blog: Synth) -> None:
    [pool] = blog.of_type("AWS::Cognito::UserPool")
    [client] = blog.of_type("AWS::Cognito::UserPoolClient")
    for prefix in ("AdminApiFunction", "SampleContentFunction"):
        env = _function(blog, prefix)["Environment"]["Variables"]
        assert env["USER_POOL_ID"] == {"Ref": pool}
        assert env["USER_POOL_CLIENT_ID"] == {"Ref": client}
    seed = blog.one("Custom::BlogSampleContent")["Properties"]
    assert {"Ref": client} in seed["SignIn"]["Fn::Join"][1]  # a new client re-runs the seed


def test_mail_without_a_domain_is_the_sender_address_with_bounce_events_to_mail_events(
    blog: Synth,
) -> None:
    identity = blog.one("AWS::SES::EmailIdentity")["Properties"]
    assert identity["EmailIdentity"] == "newsletter@myblog.example"
    assert "MailFromAttributes" not in identity
    destination = blog.one("AWS::SES::ConfigurationSetEventDestination")["Properties"]
    topic = destination["EventDestination"]["SnsDestination"]["TopicARN"]
    [subscription] = [s["Properties"] for s in blog.of_type("AWS::SNS::Subscription").values()
                      if s["Properties"]["TopicArn"] == topic]  # fmt: skip
    assert subscription["Protocol"] == "lambda"
    assert "MailEventsFunction" in json.dumps(subscription["Endpoint"])


def test_outputs_name_the_site_and_its_distribution(blog: Synth) -> None:
    assert {"SiteUrl", "DistributionId"} <= set(blog.template["Outputs"])


def test_site_behaviour_is_https_oac_with_language_edge_function_and_headers(
    blog: Synth,
) -> None:
    dist = _distribution(blog)
    assert dist["DefaultRootObject"] == "index.html"
    assert dist["Logging"]["Bucket"]
    behaviour = dist["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["Compress"] is True
    assert behaviour["ResponseHeadersPolicyId"]
    [edge] = behaviour["LambdaFunctionAssociations"]
    assert edge["EventType"] == "viewer-request"
    origin = next(o for o in dist["Origins"] if "S3OriginConfig" in o)
    assert origin["OriginAccessControlId"]
    oac = blog.one("AWS::CloudFront::OriginAccessControl")["Properties"]
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert {(e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"])
            for e in dist["CustomErrorResponses"]} == {(403, 404, "/404.html"),
                                                        (404, 404, "/404.html")}  # fmt: skip
    headers = blog.one("AWS::CloudFront::ResponseHeadersPolicy")["Properties"]
    security = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert {"StrictTransportSecurity", "ContentSecurityPolicy", "ContentTypeOptions",
            "FrameOptions", "ReferrerPolicy"} <= set(security)  # fmt: skip


def test_page_cache_key_has_no_headers_cookies_or_query_strings(blog: Synth) -> None:
    """The language is in the URI after the viewer request: nothing else keys the pages."""
    policy = _cache_policy(blog, _distribution(blog)["DefaultCacheBehavior"]["CachePolicyId"])
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"]["HeaderBehavior"] == "none"
    assert key["CookiesConfig"]["CookieBehavior"] == "none"
    assert key["QueryStringsConfig"]["QueryStringBehavior"] == "none"


def test_api_behaviour_forwards_only_what_the_api_reads(blog: Synth) -> None:
    dist = _distribution(blog)
    [api] = [b for b in dist["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert "POST" in api["AllowedMethods"]
    origin = next(o for o in dist["Origins"] if o["Id"] == api["TargetOriginId"])
    # RestApiOrigin: the stage, taken from the API's URL (`/{stage}`), as origin path.
    assert origin["OriginPath"]["Fn::Join"][1][0] == "/"
    assert "Fn::Select" in origin["OriginPath"]["Fn::Join"][1][1]
    key = _cache_policy(blog, api["CachePolicyId"])["ParametersInCacheKeyAndForwardedToOrigin"]
    assert set(key["QueryStringsConfig"]["QueryStrings"]) == {
        "tag", "lang", "cursor", "limit", "token",
    }  # fmt: skip
    assert key["HeadersConfig"]["Headers"] == ["Authorization"]
    assert key["CookiesConfig"]["CookieBehavior"] == "none"
    forward = blog.resources[api["OriginRequestPolicyId"]["Ref"]]["Properties"]
    assert forward["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"] == ["Accept"]


def _bucket_logical(blog: Synth, prefix: str) -> str:
    return next(k for k in blog.of_type("AWS::S3::Bucket") if k.startswith(prefix))


def test_photos_behaviour_serves_the_photo_bucket_through_oac_with_immutable_caching(
    blog: Synth,
) -> None:
    dist = _distribution(blog)
    assert [b["PathPattern"] for b in dist["CacheBehaviors"]] == ["/api/*", "/photos/*"]
    [photos] = [b for b in dist["CacheBehaviors"] if b["PathPattern"] == "/photos/*"]
    assert photos["Compress"] is False  # JPEG/WebP/AVIF are compressed already
    assert photos["ViewerProtocolPolicy"] == "redirect-to-https"
    assert photos["AllowedMethods"] == ["GET", "HEAD"]
    assert "LambdaFunctionAssociations" not in photos  # no language in photo paths
    origin = next(o for o in dist["Origins"] if o["Id"] == photos["TargetOriginId"])
    bucket = _bucket_logical(blog, "PhotosPhotoBucket")
    assert bucket in json.dumps(origin["DomainName"])
    assert origin["OriginAccessControlId"] and origin["S3OriginConfig"] == {
        "OriginAccessIdentity": ""
    }
    policy = _cache_policy(blog, photos["CachePolicyId"])
    assert policy["MaxTTL"] == 365 * 86400  # honours max-age=31536000 from the pipeline
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"]["HeaderBehavior"] == "none"
    assert key["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    assert key["EnableAcceptEncodingGzip"] is False
    # The photo bucket stays private; its policy lets only this distribution read.
    props = blog.resources[bucket]["Properties"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    statements = next(
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in blog.of_type("AWS::S3::BucketPolicy").values()
        if r["Properties"]["Bucket"] == {"Ref": bucket}
    )
    [read] = [s for s in statements if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    source = read["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert "distribution/" in json.dumps(source)


def test_authors_upload_route_presigns_with_the_admin_function_only(blog: Synth) -> None:
    resources = {
        k: r["Properties"]["PathPart"] for k, r in blog.of_type("AWS::ApiGateway::Resource").items()
    }
    assert "uploads" in resources.values()
    upload_methods = [
        m["Properties"] for m in blog.of_type("AWS::ApiGateway::Method").values()
        if resources.get(m["Properties"]["ResourceId"].get("Ref", "")) in ("uploads", "{name}")
    ]  # fmt: skip
    assert {m["HttpMethod"] for m in upload_methods} == {"POST", "GET", "OPTIONS"}
    for method in upload_methods:
        if method["HttpMethod"] != "OPTIONS":
            assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
            assert "AdminApiFunction" in json.dumps(method["Integration"]["Uri"])
    admin = _policies_of(blog, "AdminApiFunctionRole")
    upload = _bucket_logical(blog, "PhotosUploadBucket")
    put = next(
        s for s in admin
        if "s3:PutObject" in json.dumps(s["Action"]) and upload in json.dumps(s["Resource"])
    )  # fmt: skip
    assert json.dumps(put["Resource"]).endswith('/photos/*"]]}')
    env = next(
        f["Properties"]["Environment"]["Variables"]
        for k, f in blog.of_type("AWS::Lambda::Function").items()
        if k.startswith("AdminApiFunction")
    )
    assert {"PHOTO_UPLOAD_BUCKET", "PHOTO_BUCKET", "PHOTO_MAX_BYTES"} <= set(env)
    public = _policies_of(blog, "PublicApiFunction")
    assert not any("s3:" in json.dumps(s["Action"]) for s in public)


def test_waf_on_the_distribution_has_managed_groups_and_a_rate_rule(blog: Synth) -> None:
    acl = blog.one("AWS::WAFv2::WebACL")["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert _distribution(blog)["WebACLId"] == {
        "Fn::GetAtt": [next(iter(blog.of_type("AWS::WAFv2::WebACL"))), "Arn"]
    }
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in acl["Rules"]
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert groups == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                      "AWSManagedRulesSQLiRuleSet"}  # fmt: skip
    [rate] = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] >= 1000
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"


def test_publishers_invalidate_only_the_distribution_via_a_run_time_parameter(
    blog: Synth,
) -> None:
    invalidate = next(
        r["Properties"] for k, r in blog.of_type("AWS::IAM::Policy").items()
        if k.startswith("InvalidateSitePolicy")
    )  # fmt: skip
    [statement] = invalidate["PolicyDocument"]["Statement"]
    assert statement["Action"] == "cloudfront:CreateInvalidation"
    resource = json.dumps(statement["Resource"])
    assert "distribution/" in resource and "*" not in resource
    assert len(invalidate["Roles"]) == 2
    param = _parameter(blog, f"/stratus/{blog.stage}/blog/distribution-id")
    for logical, fn in blog.of_type("AWS::Lambda::Function").items():
        env = fn["Properties"].get("Environment", {}).get("Variables", {})
        assert "SITE_DISTRIBUTION_ID" not in env
        if logical.startswith("AdminApiFunction"):
            assert env["SITE_DISTRIBUTION_PARAMETER"] == param["Name"]
            assert env["BLOG_API_STAGE"] == blog.stage
    admin = _policies_of(blog, "AdminApiFunctionRole")
    [flush] = [s for s in admin if s["Action"] == "apigateway:DELETE"]
    # API Gateway resource ARNs carry a path: arn:aws:apigateway:<region>::/restapis/...
    assert "::/restapis/" in json.dumps(flush["Resource"])


@pytest.fixture(scope="module")
def with_domain(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from stratus.infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk-blog-domain")
    context = {"stage": "prod", "systems": "blog", "blogDomain": "myblog.example",
               "blogHostedZoneId": "Z0123456789ABC", "blogWafRateLimit": "2000"}  # fmt: skip
    build_app(context=context, outdir=str(outdir)).synth()
    path = outdir / f"{blog_stack_name('prod')}.template.json"
    return Synth("prod", outdir, path, json.loads(path.read_text()))


def test_domain_context_adds_certificate_aliases_and_alias_records(with_domain: Synth) -> None:
    cert = with_domain.one("AWS::CertificateManager::Certificate")["Properties"]
    assert cert["DomainName"] == "myblog.example"
    assert cert["SubjectAlternativeNames"] == ["www.myblog.example"]
    assert cert["ValidationMethod"] == "DNS"
    dist = _distribution(with_domain)
    assert dist["Aliases"] == ["myblog.example", "www.myblog.example"]
    assert dist["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    records = {(json.dumps(r["Properties"]["Name"]).strip('"'), r["Properties"]["Type"])
               for r in with_domain.of_type("AWS::Route53::RecordSet").values()}  # fmt: skip
    assert {("myblog.example.", "A"), ("myblog.example.", "AAAA"),
            ("www.myblog.example.", "A"), ("www.myblog.example.", "AAAA")} <= records  # fmt: skip
    assert with_domain.template["Outputs"]["SiteUrl"]["Value"] == "https://myblog.example/"
    public = next(f for k, f in with_domain.of_type("AWS::Lambda::Function").items()
                  if k.startswith("PublicApiFunction"))  # fmt: skip
    env = public["Properties"]["Environment"]["Variables"]
    assert env["PUBLIC_BASE_URL"] == "https://myblog.example"
    site_url = _parameter(with_domain, "/stratus/prod/blog/site-url")["Value"]
    assert site_url == "https://myblog.example/"
    acl = with_domain.one("AWS::WAFv2::WebACL")["Properties"]
    [rate] = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == 2000


def test_domain_mail_identity_has_easy_dkim_and_mail_from_records_in_the_zone(
    with_domain: Synth,
) -> None:
    [(logical, res)] = with_domain.of_type("AWS::SES::EmailIdentity").items()
    identity = res["Properties"]
    assert identity["EmailIdentity"] == "myblog.example"
    assert identity["DkimAttributes"] == {"SigningEnabled": True}
    assert identity["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert identity["MailFromAttributes"] == {"MailFromDomain": "mail.myblog.example"}
    records = [r["Properties"] for r in with_domain.of_type("AWS::Route53::RecordSet").values()
               if r["Properties"]["HostedZoneId"] == "Z0123456789ABC"]  # fmt: skip
    dkim = [r for r in records if r["Type"] == "CNAME"]
    assert sorted(json.dumps(r["Name"]) for r in dkim) == [
        json.dumps({"Fn::GetAtt": [logical, f"DkimDNSTokenName{i}"]}) for i in (1, 2, 3)
    ]
    mail_from = {r["Type"]: r["ResourceRecords"] for r in records
                 if r["Name"] == "mail.myblog.example."}  # fmt: skip
    assert mail_from["MX"] == ["10 feedback-smtp.us-east-1.amazonses.com"]
    assert mail_from["TXT"] == ['"v=spf1 include:amazonses.com ~all"']
    public = _function(with_domain, "PublicApiFunction")["Environment"]["Variables"]
    assert public["MAIL_FROM"] == "newsletter@myblog.example"


def test_alarms_notify_the_alarm_topic_and_a_dashboard_draws_them(blog: Synth) -> None:
    alarms = blog.of_type("AWS::CloudWatch::Alarm")
    metrics = {
        (a["Properties"].get("Namespace"), a["Properties"].get("MetricName"))
        for a in alarms.values()
    }
    assert {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/CloudFront", "5xxErrorRate"),
        ("AWS/SES", "Reputation.BounceRate"),
        ("AWS/Lambda", "Errors"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),  # the photo pipeline's DLQ
    } <= metrics
    topic = next(t for t in blog.of_type("AWS::SNS::Topic") if t.startswith("AlarmTopic"))
    for alarm in alarms.values():
        assert any(topic in json.dumps(action) for action in alarm["Properties"]["AlarmActions"])
    assert len(blog.of_type("AWS::CloudWatch::Dashboard")) == 1
    assert "AlarmTopicArn" in blog.template["Outputs"]
