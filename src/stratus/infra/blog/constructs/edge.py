"""The blog's CloudFront distribution: the site bucket through Origin Access Control, the
REST API under `/api/*`, the viewer-request Lambda@Edge, WAF, and (with a domain in context)
the ACM certificate and Route 53 aliases for the apex and `www`.

Cache keys (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html):
- Pages: no headers, cookies or query strings. The Lambda@Edge puts the reader's language in
  the URI before the cache lookup (`/` -> 302 `/fr/`, `/posts/x/` -> `/fr/posts/x/index.html`),
  so the language is already in the key; adding `Accept-Language` or the `lang` cookie would
  only split each page into one entry per browser header variant. TTLs follow the
  publisher's `Cache-Control` (`s-maxage=86400`): pages are long-lived at the edge and
  invalidated on publish.
- `/api/*`: the query strings the API reads (`tag`, `lang`, `cursor`, `limit`, `token`) and
  `Authorization` (the only way CloudFront forwards it; signed-in answers are keyed per
  token and are `no-store` anyway). Default TTL 0, so only what the API marks cacheable
  (`s-maxage` on post reads) is kept, and never beyond 5 minutes. `Accept` is forwarded
  by an origin request policy but kept out of the key: only the mail links
  (confirm/unsubscribe) answer HTML or JSON by it, and they are `no-store`.
- `/photos/*`: the photo bucket, through the same Origin Access Control as the site. A
  variant's key is new for every upload (`photos/<uuid>/<width>.<ext>`) and the pipeline
  writes it with `Cache-Control: public, max-age=31536000, immutable`, which the photos'
  cache policy honours up to its one-year maximum
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html).
  Nothing keys the cache but the path, and compression is off: JPEG, WebP and AVIF are
  compressed already, so Accept-Encoding stays out of the key too
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html).
  No Lambda@Edge: photo paths have no language.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stratus.infra.blog.stage import BlogStageConfig
from stratus.infra.shared.nag import acknowledge

EDGE_CODE = Path(__file__).resolve().parents[3] / "blog" / "edge"
EDGE_HANDLER = "viewer_request.handler"
API_QUERY_STRINGS = ("tag", "lang", "cursor", "limit", "token")
NOT_FOUND_PAGE = "/404.html"
PHOTOS_PATH = "/photos/*"
LOCAL_STAGE = "local"


def content_security_policy(stage: str) -> str:
    """The site's CSP: its own script and stylesheet only (site.py renders no inline script
    or style), images also from the photo CDN (`https:`), the API on the same origin and
    Cognito for the readers' sign-in. The local stage also allows the local endpoints
    (Cognito at `http://127.0.0.1:<aws port>`), so it cannot upgrade insecure requests.
    """
    connect = ["'self'", "https://cognito-idp.us-east-1.amazonaws.com"]
    tail = ["upgrade-insecure-requests"]
    if stage == LOCAL_STAGE:
        connect += ["http://127.0.0.1:*", "https://127.0.0.1:*", "https://*.localhost:*"]
        tail = []
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'",
        "img-src 'self' data: https:", f"connect-src {' '.join(connect)}", "font-src 'self'",
        "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
        *tail,
    ])  # fmt: skip


class BlogEdge(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cfg: BlogStageConfig,
        site: s3.IBucket,
        api: apigw.RestApi,
        web_acl_arn: str,
        photos: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.language_fn = lambda_.Function(
            self,
            "ViewerRequestFunction",
            runtime=lambda_.Runtime.PYTHON_3_11,
            handler=EDGE_HANDLER,
            code=lambda_.Code.from_asset(str(EDGE_CODE), exclude=["__pycache__", "*.pyc"]),
            memory_size=128,
            timeout=Duration.seconds(5),  # the viewer-event limit
            role=iam.Role(
                self,
                "ViewerRequestRole",
                assumed_by=iam.CompositePrincipal(
                    iam.ServicePrincipal("lambda.amazonaws.com"),
                    iam.ServicePrincipal("edgelambda.amazonaws.com"),
                ),
                managed_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name(
                        "service-role/AWSLambdaBasicExecutionRole"
                    )
                ],
            ),
            description="MyBlog.com viewer request: www to apex, language choice, page URIs",
        )
        acknowledge(
            self.language_fn,
            "AwsSolutions-L1",
            "Pinned to Python 3.11 like the project's other functions and the local runtime.",
        )
        acknowledge(
            self.language_fn.role,  # type: ignore[arg-type]
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "Lambda@Edge writes its logs to /aws/lambda/us-east-1.<name> in every region it "
            "runs in; those log groups cannot be named in advance, so the basic execution "
            "policy (logs only) is the documented grant.",
        )
        self.logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront standard logging writes with ACLs (awslogsdelivery).
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=cfg.removal_policy,
            lifecycle_rules=[
                s3.LifecycleRule(expiration=Duration.days(365 if cfg.is_prod else 30))
            ],
        )
        acknowledge(
            self.logs,
            "AwsSolutions-S1",
            "The distribution's access-log bucket itself; logging it into itself would loop.",
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="MyBlog.com security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365),
                    include_subdomains=True,
                    preload=cfg.is_prod,
                    override=True,
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(cfg.name), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
            ),
        )
        pages = cloudfront.CachePolicy(
            self,
            "PagesCache",
            comment="Site pages: the language is in the URI (Lambda@Edge), nothing else keys",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.days(1),
            max_ttl=Duration.days(365),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        api_cache = cloudfront.CachePolicy(
            self,
            "ApiCache",
            comment="Blog API: the query strings it reads and Authorization; API's TTLs",
            min_ttl=Duration.seconds(0),
            default_ttl=Duration.seconds(0),
            max_ttl=Duration.minutes(5),
            header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Authorization"),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.allow_list(
                *API_QUERY_STRINGS
            ),
            enable_accept_encoding_gzip=True,
        )
        api_forward = cloudfront.OriginRequestPolicy(
            self,
            "ApiForward",
            comment="Blog API: Accept (HTML or JSON for the mail links), not in the key",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list("Accept"),
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.none(),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.none(),
        )
        # One OAC signs CloudFront's requests to both buckets; each bucket's policy names
        # this distribution (AWS:SourceArn) and nothing else.
        oac = cloudfront.S3OriginAccessControl(
            self, "OriginAccess", signing=cloudfront.Signing.SIGV4_ALWAYS
        )
        extra: dict[str, cloudfront.BehaviorOptions] = {}
        if photos is not None:
            extra[PHOTOS_PATH] = cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(
                    photos, origin_access_control=oac
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy(
                    self,
                    "PhotosCache",
                    comment="Photo variants: immutable keys, the origin's year-long max-age",
                    min_ttl=Duration.seconds(0),
                    default_ttl=Duration.days(1),
                    max_ttl=Duration.days(365),
                    header_behavior=cloudfront.CacheHeaderBehavior.none(),
                    cookie_behavior=cloudfront.CacheCookieBehavior.none(),
                    query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
                ),
                response_headers_policy=headers,
                compress=False,
            )
        certificate: acm.ICertificate | None = None
        zone: route53.IHostedZone | None = None
        names: list[str] | None = None
        if cfg.domain and cfg.hosted_zone_id:
            zone = route53.HostedZone.from_hosted_zone_attributes(
                self,
                "Zone",
                hosted_zone_id=cfg.hosted_zone_id,
                zone_name=cfg.hosted_zone_name or cfg.domain,
            )
            names = [cfg.domain, f"www.{cfg.domain}"]
            certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=cfg.domain,
                subject_alternative_names=[f"www.{cfg.domain}"],
                validation=acm.CertificateValidation.from_dns(zone),
            )
        error_pages = [
            cloudfront.ErrorResponse(
                http_status=status,
                response_http_status=404,
                response_page_path=NOT_FOUND_PAGE,
                ttl=Duration.minutes(1),
            )
            for status in (403, 404)  # S3 answers 403 for a missing key without ListBucket
        ]
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"MyBlog.com ({cfg.name})",
            default_root_object="index.html",
            domain_names=names,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            web_acl_id=web_acl_arn,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
            error_responses=error_pages,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(
                    site, origin_access_control=oac
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=pages,
                response_headers_policy=headers,
                compress=True,
                edge_lambdas=[
                    cloudfront.EdgeLambda(
                        function_version=self.language_fn.current_version,
                        event_type=cloudfront.LambdaEdgeEventType.VIEWER_REQUEST,
                    )
                ],
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=origins.RestApiOrigin(api),  # origin path = the stage
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=api_cache,
                    origin_request_policy=api_forward,
                    response_headers_policy=headers,
                    compress=True,
                ),
                **extra,
            },
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "A blog for every reader: no geo restriction on purpose.",
        )
        if certificate is None:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "Without blogDomain the distribution answers on its *.cloudfront.net name, "
                "whose default certificate's TLS policy cannot be chosen; with a domain it "
                "uses its ACM certificate and TLSv1.2_2021.",
            )
        if zone is not None and names:
            alias = route53.RecordTarget.from_alias(targets.CloudFrontTarget(self.distribution))
            for label, record in (("Apex", None), ("Www", "www")):
                route53.ARecord(self, f"{label}A", zone=zone, record_name=record, target=alias)
                route53.AaaaRecord(
                    self, f"{label}Aaaa", zone=zone, record_name=record, target=alias
                )

    @property
    def site_url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}/"
