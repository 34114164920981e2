"""Cache, origin request and response headers policies: from templates, or AWS's managed ones.

- Cache policies: the TTLs and the values in the cache key, which are also forwarded to the
  origin (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html).
- Origin request policies: what else reaches the origin, never part of the key
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html).
- Response headers policies: headers CloudFront adds to or removes from viewer responses
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html).
- Managed policies by id and settings as documented in using-managed-cache-policies.html,
  using-managed-origin-request-policies.html and using-managed-response-headers-policies.html.
- Legacy cache settings (a behaviour's ForwardedValues and Min/Default/MaxTTL) become the
  equivalent cache policy: everything forwarded is in the key
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesForwardHeaders).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ONE_YEAR = 31_536_000
ONE_DAY = 86_400


@dataclass(frozen=True)
class Selection:
    """Which headers / cookies / query strings: `behavior` with `names` (lower-cased for
    headers, as header names are case-insensitive; cookies and query strings keep case)."""

    behavior: str = "none"  # none | whitelist | allExcept | all | allViewer | ...
    names: tuple[str, ...] = ()

    def selects(self, name: str) -> bool:
        if self.behavior in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
            return True
        if self.behavior == "whitelist":
            return name in self.names
        if self.behavior == "allExcept":
            return name not in self.names
        return False


@dataclass(frozen=True)
class CachePolicy:
    min_ttl: int = 0
    default_ttl: int = ONE_DAY
    max_ttl: int = ONE_YEAR
    headers: Selection = Selection()
    cookies: Selection = Selection()
    query_strings: Selection = Selection()
    gzip: bool = False
    brotli: bool = False
    name: str = ""


@dataclass(frozen=True)
class OriginRequestPolicy:
    headers: Selection = Selection()
    cookies: Selection = Selection()
    query_strings: Selection = Selection()
    name: str = ""


@dataclass(frozen=True)
class HeaderRule:
    name: str
    value: str
    override: bool


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None
    override: bool = False


@dataclass(frozen=True)
class ResponseHeadersPolicy:
    headers: tuple[HeaderRule, ...] = ()  # security headers and custom headers
    remove: tuple[str, ...] = ()  # lower-case names
    cors: Cors | None = None
    name: str = ""


# -- parsing template properties --------------------------------------------------------
def _names(items: Any, lower: bool) -> tuple[str, ...]:
    if isinstance(items, Mapping):  # API shape {"Quantity", "Items"}
        items = items.get("Items")
    values = [str(v) for v in items or []]
    return tuple(v.lower() for v in values) if lower else tuple(values)


def _selection(config: Any, behavior_key: str, names_key: str, lower: bool) -> Selection:
    if not isinstance(config, Mapping):
        return Selection()
    return Selection(str(config.get(behavior_key) or "none"), _names(config.get(names_key), lower))


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def cache_policy_from(config: Mapping[str, Any]) -> CachePolicy:
    """AWS::CloudFront::CachePolicy's CachePolicyConfig."""
    params = config.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
    return CachePolicy(
        min_ttl=int(config.get("MinTTL", 0)),
        default_ttl=int(config.get("DefaultTTL", ONE_DAY)),
        max_ttl=int(config.get("MaxTTL", ONE_YEAR)),
        headers=_selection(params.get("HeadersConfig"), "HeaderBehavior", "Headers", True),
        cookies=_selection(params.get("CookiesConfig"), "CookieBehavior", "Cookies", False),
        query_strings=_selection(
            params.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", False
        ),
        gzip=_flag(params.get("EnableAcceptEncodingGzip")),
        brotli=_flag(params.get("EnableAcceptEncodingBrotli")),
        name=str(config.get("Name", "")),
    )


def origin_request_policy_from(config: Mapping[str, Any]) -> OriginRequestPolicy:
    """AWS::CloudFront::OriginRequestPolicy's OriginRequestPolicyConfig."""
    return OriginRequestPolicy(
        headers=_selection(config.get("HeadersConfig"), "HeaderBehavior", "Headers", True),
        cookies=_selection(config.get("CookiesConfig"), "CookieBehavior", "Cookies", False),
        query_strings=_selection(
            config.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings", False
        ),
        name=str(config.get("Name", "")),
    )


def legacy_cache_policy(behavior: Mapping[str, Any]) -> CachePolicy:
    """A behaviour with ForwardedValues (no CachePolicyId): what it forwards is its key."""
    fv = behavior.get("ForwardedValues") or {}
    headers = _names(fv.get("Headers"), True)
    cookies = fv.get("Cookies") or {}
    forward = str(cookies.get("Forward") or "none")
    if fv.get("QueryString") in (True, "true"):
        keys = _names(fv.get("QueryStringCacheKeys"), False)
        query = Selection("whitelist", keys) if keys else Selection("all")
    else:
        query = Selection()
    return CachePolicy(
        min_ttl=int(behavior.get("MinTTL", 0)),
        default_ttl=int(behavior.get("DefaultTTL", ONE_DAY)),
        max_ttl=int(behavior.get("MaxTTL", ONE_YEAR)),
        headers=Selection("all")
        if "*" in headers
        else Selection("whitelist" if headers else "none", headers),
        cookies=Selection(forward, _names(cookies.get("WhitelistedNames"), False)),
        query_strings=query,
        # Legacy settings compress per the behaviour's Compress flag and key on the
        # normalized Accept-Encoding then (ServingCompressedFiles.html).
        gzip=_flag(behavior.get("Compress")),
        brotli=_flag(behavior.get("Compress")),
        name="legacy ForwardedValues",
    )


def response_headers_policy_from(config: Mapping[str, Any]) -> ResponseHeadersPolicy:
    """AWS::CloudFront::ResponseHeadersPolicy's ResponseHeadersPolicyConfig."""
    rules: list[HeaderRule] = []
    security = config.get("SecurityHeadersConfig") or {}
    hsts = security.get("StrictTransportSecurity")
    if hsts:
        value = f"max-age={int(hsts.get('AccessControlMaxAgeSec', 0))}"
        if _flag(hsts.get("IncludeSubdomains")):
            value += "; includeSubDomains"
        if _flag(hsts.get("Preload")):
            value += "; preload"
        rules.append(HeaderRule("strict-transport-security", value, _flag(hsts.get("Override"))))
    if security.get("ContentTypeOptions"):
        rules.append(
            HeaderRule(
                "x-content-type-options",
                "nosniff",
                _flag(security["ContentTypeOptions"].get("Override")),
            )
        )
    frame = security.get("FrameOptions")
    if frame:
        rules.append(
            HeaderRule(
                "x-frame-options",
                str(frame.get("FrameOption", "DENY")),
                _flag(frame.get("Override")),
            )
        )
    referrer = security.get("ReferrerPolicy")
    if referrer:
        rules.append(
            HeaderRule(
                "referrer-policy",
                str(referrer.get("ReferrerPolicy", "")),
                _flag(referrer.get("Override")),
            )
        )
    csp = security.get("ContentSecurityPolicy")
    if csp:
        rules.append(
            HeaderRule(
                "content-security-policy",
                str(csp.get("ContentSecurityPolicy", "")),
                _flag(csp.get("Override")),
            )
        )
    xss = security.get("XSSProtection")
    if xss:
        value = "1" if _flag(xss.get("Protection")) else "0"
        if _flag(xss.get("Protection")) and _flag(xss.get("ModeBlock")):
            value += "; mode=block"
        elif _flag(xss.get("Protection")) and xss.get("ReportUri"):
            value += f"; report={xss['ReportUri']}"
        rules.append(HeaderRule("x-xss-protection", value, _flag(xss.get("Override"))))
    custom = config.get("CustomHeadersConfig") or {}
    for item in custom.get("Items") or []:
        rules.append(
            HeaderRule(str(item["Header"]).lower(), str(item["Value"]), _flag(item.get("Override")))
        )
    remove = tuple(
        str(item["Header"]).lower()
        for item in (config.get("RemoveHeadersConfig") or {}).get("Items") or []
    )
    cors = None
    cors_config = config.get("CorsConfig")
    if cors_config:
        cors = Cors(
            allow_origins=_names(cors_config.get("AccessControlAllowOrigins"), False),
            allow_methods=_names(cors_config.get("AccessControlAllowMethods"), False),
            allow_headers=_names(cors_config.get("AccessControlAllowHeaders"), False),
            expose_headers=_names(cors_config.get("AccessControlExposeHeaders"), False),
            allow_credentials=_flag(cors_config.get("AccessControlAllowCredentials")),
            max_age=(
                int(cors_config["AccessControlMaxAgeSec"])
                if cors_config.get("AccessControlMaxAgeSec") is not None
                else None
            ),
            override=_flag(cors_config.get("OriginOverride")),
        )
    return ResponseHeadersPolicy(tuple(rules), remove, cors, str(config.get("Name", "")))


# -- managed policies ---------------------------------------------------------------------
_ORIGIN_CACHE_HEADERS = (
    "host",
    "origin",
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
)
MANAGED_CACHE_POLICIES: dict[str, CachePolicy] = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": CachePolicy(
        1, ONE_DAY, ONE_YEAR, gzip=True, brotli=True, name="Managed-CachingOptimized"
    ),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": CachePolicy(
        1, ONE_DAY, ONE_YEAR, name="Managed-CachingOptimizedForUncompressedObjects"
    ),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": CachePolicy(0, 0, 0, name="Managed-CachingDisabled"),
    "2e54312d-136d-493c-8eb9-b001f22f67d2": CachePolicy(
        2,
        2,
        600,
        headers=Selection("whitelist", ("authorization", "cloudfront-viewer-country", "host")),
        cookies=Selection("all"),
        query_strings=Selection("all"),
        gzip=True,
        brotli=True,
        name="Managed-Amplify",
    ),
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": CachePolicy(
        0,
        ONE_DAY,
        ONE_YEAR,
        headers=Selection("whitelist", ("origin",)),
        query_strings=Selection("whitelist", ("aws.manifestfilter", "start", "end", "m")),
        gzip=True,
        name="Managed-Elemental-MediaPackage",
    ),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": CachePolicy(
        0,
        0,
        ONE_YEAR,
        headers=Selection("whitelist", _ORIGIN_CACHE_HEADERS),
        cookies=Selection("all"),
        gzip=True,
        brotli=True,
        name="Managed-UseOriginCacheControlHeaders",
    ),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": CachePolicy(
        0,
        0,
        ONE_YEAR,
        headers=Selection("whitelist", _ORIGIN_CACHE_HEADERS),
        cookies=Selection("all"),
        query_strings=Selection("all"),
        gzip=True,
        brotli=True,
        name="Managed-UseOriginCacheControlHeaders-QueryStrings",
    ),
}

_CORS_REQUEST = ("origin", "access-control-request-headers", "access-control-request-method")
MANAGED_ORIGIN_REQUEST_POLICIES: dict[str, OriginRequestPolicy] = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": OriginRequestPolicy(
        Selection("allViewer"), Selection("all"), Selection("all"), "Managed-AllViewer"
    ),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": OriginRequestPolicy(
        Selection("allExcept", ("host",)),
        Selection("all"),
        Selection("all"),
        "Managed-AllViewerExceptHostHeader",
    ),
    "33f36d7e-f396-46d9-90e0-52428a34d9dc": OriginRequestPolicy(
        Selection("allViewerAndWhitelistCloudFront"),
        Selection("all"),
        Selection("all"),
        "Managed-AllViewerAndCloudFrontHeaders-2022-06",
    ),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": OriginRequestPolicy(
        Selection("whitelist", _CORS_REQUEST), name="Managed-CORS-S3Origin"
    ),
    "59781a5b-3903-41f3-afcb-af62929ccde1": OriginRequestPolicy(
        Selection("whitelist", ("origin",)), name="Managed-CORS-CustomOrigin"
    ),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": OriginRequestPolicy(
        Selection("whitelist", ("user-agent", "referer")), name="Managed-UserAgentRefererHeaders"
    ),
    "bf0718e1-ba1e-49d1-88b1-f726733018ae": OriginRequestPolicy(
        Selection("whitelist", ("host",)), name="Managed-HostHeaderOnly"
    ),
    "775133bc-15f2-49f9-abea-afb2e0bf67d2": OriginRequestPolicy(
        Selection("whitelist", (*_CORS_REQUEST, "x-forwarded-for")),
        query_strings=Selection("all"),
        name="Managed-Elemental-MediaTailor-PersonalizedManifests",
    ),
}

_SECURITY = (
    HeaderRule("referrer-policy", "strict-origin-when-cross-origin", False),
    HeaderRule("strict-transport-security", "max-age=31536000", False),
    HeaderRule("x-content-type-options", "nosniff", False),
    HeaderRule("x-frame-options", "SAMEORIGIN", False),
    HeaderRule("x-xss-protection", "1; mode=block", False),
)
_ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_SIMPLE_CORS = Cors(allow_origins=("*",))
_PREFLIGHT_CORS = Cors(
    allow_origins=("*",), allow_methods=_ALL_METHODS, allow_headers=("*",), expose_headers=("*",)
)
MANAGED_RESPONSE_HEADERS_POLICIES: dict[str, ResponseHeadersPolicy] = {
    "67f7725c-6f97-4210-82d7-5512b31e9d03": ResponseHeadersPolicy(
        _SECURITY, name="Managed-SecurityHeadersPolicy"
    ),
    "60669652-455b-4ae9-85a4-c4c02393f86c": ResponseHeadersPolicy(
        cors=_SIMPLE_CORS, name="Managed-SimpleCORS"
    ),
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": ResponseHeadersPolicy(
        cors=_PREFLIGHT_CORS, name="Managed-CORS-With-Preflight"
    ),
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": ResponseHeadersPolicy(
        _SECURITY, cors=_SIMPLE_CORS, name="Managed-CORS-and-SecurityHeadersPolicy"
    ),
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": ResponseHeadersPolicy(
        _SECURITY,
        cors=_PREFLIGHT_CORS,
        name="Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
    ),
}


@dataclass
class PolicyBook:
    """Every policy a distribution may name: managed ones plus the deployment's own."""

    cache: dict[str, CachePolicy] = field(default_factory=lambda: dict(MANAGED_CACHE_POLICIES))
    origin_request: dict[str, OriginRequestPolicy] = field(
        default_factory=lambda: dict(MANAGED_ORIGIN_REQUEST_POLICIES)
    )
    response_headers: dict[str, ResponseHeadersPolicy] = field(
        default_factory=lambda: dict(MANAGED_RESPONSE_HEADERS_POLICIES)
    )
