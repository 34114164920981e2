"""A distribution as the edge serves it, read from its template (one source of truth).

AWS::CloudFront::Distribution's DistributionConfig
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-distributionconfig.html):
origins, the default behaviour and the ordered path-pattern behaviours, custom error
responses, the default root object, aliases. Policies are looked up in a PolicyBook
(managed ones plus the deployment's own); a behaviour without a CachePolicyId uses its
legacy ForwardedValues and TTLs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from stratus.local.cloudfront import patterns
from stratus.local.cloudfront.policies import (
    CachePolicy,
    OriginRequestPolicy,
    PolicyBook,
    ResponseHeadersPolicy,
    legacy_cache_policy,
)

if TYPE_CHECKING:
    from stratus.local.cloudfront.edge_lambda import ViewerRequest

LOCAL_DOMAIN_SUFFIX = ".cloudfront.localhost"
_S3_DOMAIN = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:[.-](?:dualstack\.)?(?P<region>[a-z0-9-]+))?"
    r"\.amazonaws\.com(?:\.cn)?$"
)
_S3_WEBSITE = re.compile(r"^(?P<bucket>.+)\.s3-website[.-][a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
_EXECUTE_API = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
_DEFAULT_METHODS = frozenset({"GET", "HEAD"})

# A viewer-request filter (the hook point for WAF): gets the request before the behaviour's
# Lambda@Edge and the cache; returns a response (block) or None (let it through).
ViewerFilter = Callable[["ViewerRequest"], Awaitable[Any]]


def local_domain(distribution_id: str) -> str:
    """d + 13 lower-case characters, like CloudFront's d111111abcdef8.cloudfront.net."""
    digest = hashlib.sha256(distribution_id.encode()).hexdigest()
    return f"d{digest[:13]}{LOCAL_DOMAIN_SUFFIX}"


@dataclass(frozen=True)
class Origin:
    id: str
    domain: str
    path: str = ""  # OriginPath
    kind: str = "custom"  # s3 | s3-website | apigateway | custom
    bucket: str = ""
    api_id: str = ""
    oac: bool = False
    oai: str = ""  # the origin access identity's id
    protocol_policy: str = "https-only"  # http-only | https-only | match-viewer
    http_port: int = 80
    https_port: int = 443
    read_timeout: float = 30.0
    custom_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EdgeFunction:
    event_type: str  # viewer-request | origin-request | origin-response | viewer-response
    arn: str
    include_body: bool = False


@dataclass(frozen=True)
class Behavior:
    pattern: str
    origin_id: str
    viewer_protocol_policy: str = "allow-all"
    allowed_methods: frozenset[str] = _DEFAULT_METHODS
    cached_methods: frozenset[str] = _DEFAULT_METHODS
    cache_policy: CachePolicy = field(default_factory=CachePolicy)
    origin_request_policy: OriginRequestPolicy | None = None
    response_headers_policy: ResponseHeadersPolicy | None = None
    compress: bool = False
    lambdas: Mapping[str, EdgeFunction] = field(default_factory=dict)
    functions: tuple[str, ...] = ()  # CloudFront Functions' ARNs (not run locally)


@dataclass(frozen=True)
class ErrorResponse:
    code: int
    page_path: str | None = None
    response_code: int | None = None
    min_ttl: int = 10


@dataclass
class Distribution:
    id: str
    arn: str
    domain: str
    origins: dict[str, Origin]
    default: Behavior
    behaviors: list[Behavior] = field(default_factory=list)
    aliases: tuple[str, ...] = ()
    errors: dict[int, ErrorResponse] = field(default_factory=dict)
    root_object: str = ""
    enabled: bool = True
    web_acl_id: str = ""
    # The hook point for WAF (per distribution, in order): see ViewerFilter.
    viewer_filters: list[ViewerFilter] = field(default_factory=list)
    logical: str = ""  # "Stack/LogicalId", for messages

    def behavior_for(self, path: str) -> Behavior:
        return patterns.first_match([(b.pattern, b) for b in self.behaviors], path, self.default)

    def names(self) -> tuple[str, ...]:
        return (self.domain, *self.aliases)


def _items(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        value = value.get("Items")
    return list(value or [])


def _methods(value: Any, default: frozenset[str]) -> frozenset[str]:
    items = _items(value)
    return frozenset(str(m).upper() for m in items) if items else default


def _flag(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    return value is True or str(value).lower() == "true"


def parse_origin(spec: Mapping[str, Any]) -> Origin:
    domain = str(spec["DomainName"]).lower()
    custom = spec.get("CustomOriginConfig")
    s3_config = spec.get("S3OriginConfig")
    oai = ""
    if s3_config is not None:
        oai = str(s3_config.get("OriginAccessIdentity") or "").rsplit("/", 1)[-1]
    base: dict[str, Any] = {
        "id": str(spec["Id"]),
        "domain": domain,
        "path": str(spec.get("OriginPath") or "").rstrip("/"),
        "oac": bool(spec.get("OriginAccessControlId")),
        "oai": oai,
        "custom_headers": tuple(
            (str(h["HeaderName"]), str(h["HeaderValue"]))
            for h in _items(spec.get("OriginCustomHeaders"))
        ),
    }
    if custom is not None:
        base.update(
            protocol_policy=str(custom.get("OriginProtocolPolicy") or "https-only"),
            http_port=int(custom.get("HTTPPort") or 80),
            https_port=int(custom.get("HTTPSPort") or 443),
            read_timeout=float(custom.get("OriginReadTimeout") or 30),
        )
    website = _S3_WEBSITE.match(domain)
    s3 = _S3_DOMAIN.match(domain)
    api = _EXECUTE_API.match(domain)
    if website:
        return Origin(kind="s3-website", bucket=website["bucket"], **base)
    if s3 and (s3_config is not None or custom is None or base["oac"]):
        return Origin(kind="s3", bucket=s3["bucket"], **base)
    if api:
        return Origin(kind="apigateway", api_id=api["api"], **base)
    return Origin(kind="custom", **base)


def parse_behavior(spec: Mapping[str, Any], book: PolicyBook, default: bool) -> Behavior:
    cache_id = spec.get("CachePolicyId")
    if cache_id:
        cache = book.cache.get(str(cache_id))
        if cache is None:
            raise ValueError(f"unknown cache policy {cache_id}")
    else:
        cache = legacy_cache_policy(spec)
    orp_id = spec.get("OriginRequestPolicyId")
    rhp_id = spec.get("ResponseHeadersPolicyId")
    lambdas = {
        str(a["EventType"]): EdgeFunction(
            str(a["EventType"]), str(a["LambdaFunctionARN"]), _flag(a.get("IncludeBody"))
        )
        for a in _items(spec.get("LambdaFunctionAssociations"))
    }
    return Behavior(
        pattern="*" if default else str(spec["PathPattern"]),
        origin_id=str(spec["TargetOriginId"]),
        viewer_protocol_policy=str(spec.get("ViewerProtocolPolicy") or "allow-all"),
        allowed_methods=_methods(spec.get("AllowedMethods"), _DEFAULT_METHODS),
        cached_methods=_methods(spec.get("CachedMethods"), _DEFAULT_METHODS),
        cache_policy=cache,
        origin_request_policy=book.origin_request.get(str(orp_id)) if orp_id else None,
        response_headers_policy=book.response_headers.get(str(rhp_id)) if rhp_id else None,
        # "Compress" defaults to false in the API/CloudFormation (CDK sets true).
        compress=_flag(spec.get("Compress")),
        lambdas=lambdas,
        functions=tuple(str(f["FunctionARN"]) for f in _items(spec.get("FunctionAssociations"))),
    )


def parse_distribution(
    distribution_id: str,
    arn: str,
    config: Mapping[str, Any],
    book: PolicyBook,
    *,
    logical: str = "",
) -> Distribution:
    origins = {o.id: o for o in (parse_origin(spec) for spec in _items(config.get("Origins")))}
    errors = {}
    for spec in _items(config.get("CustomErrorResponses")):
        code = int(spec["ErrorCode"])
        page = spec.get("ResponsePagePath")
        response_code = spec.get("ResponseCode")
        errors[code] = ErrorResponse(
            code,
            str(page) if page else None,
            int(response_code) if response_code not in (None, "") else None,
            int(spec.get("ErrorCachingMinTTL", 10)),
        )
    return Distribution(
        id=distribution_id,
        arn=arn,
        domain=local_domain(distribution_id),
        origins=origins,
        default=parse_behavior(config["DefaultCacheBehavior"], book, default=True),
        behaviors=[parse_behavior(b, book, False) for b in _items(config.get("CacheBehaviors"))],
        aliases=tuple(str(a).lower() for a in _items(config.get("Aliases"))),
        errors=errors,
        root_object=str(config.get("DefaultRootObject") or "").lstrip("/"),
        enabled=_flag(config.get("Enabled"), True),
        web_acl_id=str(config.get("WebACLId") or ""),
        logical=logical,
    )
