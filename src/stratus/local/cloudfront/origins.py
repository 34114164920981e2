"""Requests to origins: S3 buckets (through the local S3, as CloudFront's principal), the
local API gateway (an `execute-api` origin domain), and custom HTTP(S) origins.

What CloudFront sends (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html):
the origin path before the request's path, the forwarded headers, cookies and query
strings, the origin's custom headers, `Host` as the origin's domain unless the viewer's
Host is forwarded, `User-Agent: Amazon CloudFront` unless forwarded, `Via` and
`X-Amz-Cf-Id`, and `X-Forwarded-For` with the viewer's address. A connection failure is
502 Bad Gateway; no answer within the origin's read timeout (default 30 s) is 504.

Local names: an origin domain of `localhost`, `*.localhost` or `127.0.0.1` is this machine;
a custom origin naming a local load balancer (`<name>.elb.localhost`, an ALB's DNSName
locally) on its listener's AWS port (HTTPPort 80, say) is sent to that listener's local
port;
`<api>.execute-api.<region>.amazonaws.com` with an origin path `/<stage>` is the local
gateway's `/restapis/<api>/<stage>` (`/httpapis/<api>` for HTTP APIs); an S3 origin is
read from the local S3 with the bucket policy checked as S3 would check CloudFront.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stratus.local.cloudfront import s3_access
from stratus.local.cloudfront.cache_key import HOP_BY_HOP, Forwarded
from stratus.local.cloudfront.config import Distribution, Origin
from stratus.local.cloudfront.edge_lambda import EdgeResponse, ViewerRequest
from stratus.local.core.settings import (
    ROOT_ACCESS_KEY_ID,
    ROOT_SECRET_ACCESS_KEY,
    LocalSettings,
)

_DROP_FROM_ORIGIN = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})
_S3_ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message></Error>"
)


@dataclass(frozen=True)
class OriginCall:
    origin: Origin
    method: str
    uri: str  # the (possibly rewritten) request path, still percent-encoded
    forwarded: Forwarded
    body: bytes = b""
    validators: tuple[tuple[str, str], ...] = ()  # If-None-Match / If-Modified-Since


def is_local_host(host: str) -> bool:
    return host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")


class OriginGateway:
    """Sends OriginCalls; one pooled HTTP client for every origin."""

    def __init__(
        self,
        settings: LocalSettings,
        *,
        http_apis: Callable[[], set[str]] = set,
        bucket_policy: Callable[[str], dict[str, Any] | None] = lambda bucket: None,
        oai_canonical: Callable[[str], str] = lambda oai: "",
        ca_file: str | None = None,
        local_ports: Callable[[str, int], int | None] = lambda host, port: None,
    ) -> None:
        self.settings = settings
        # (origin domain, port on AWS) -> the local port that serves it (a local load
        # balancer's listener), for custom origins named by a local DNS name.
        self.local_ports = local_ports
        self.http_apis = http_apis
        self.bucket_policy = bucket_policy
        self.oai_canonical = oai_canonical
        context = ssl.create_default_context()
        if ca_file:
            context.load_verify_locations(cafile=ca_file)
        self.client = httpx.AsyncClient(
            verify=context,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self.requests = 0  # origin requests sent (figures, tests)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(
        self, dist: Distribution, call: OriginCall, viewer: ViewerRequest, via: str, cf_id: str
    ) -> EdgeResponse:
        origin = call.origin
        if origin.kind in ("s3", "s3-website"):
            denied = self._s3_denied(dist, origin, call)
            if denied is not None:
                return denied
        url, headers = self._target(dist, call, viewer, via, cf_id)
        self.requests += 1
        try:
            response = await self.client.request(
                call.method,
                url,
                headers=headers,
                content=call.body or None,
                timeout=httpx.Timeout(origin.read_timeout, connect=10.0),
            )
        except httpx.TimeoutException:
            return _cloudfront_error(504, "OriginReadTimeout")
        except httpx.HTTPError:
            return _cloudfront_error(502, "OriginConnectError")
        out_headers = [
            (k.lower(), v)
            for k, v in response.headers.multi_items()
            if k.lower() not in _DROP_FROM_ORIGIN
        ]
        if origin.kind == "s3" and response.status_code == 404 and not self._may_list(dist, origin):
            return EdgeResponse(403, [("content-type", "application/xml")], _S3_ACCESS_DENIED)
        return EdgeResponse(
            response.status_code, out_headers, response.content, response.reason_phrase
        )

    # -- S3 -------------------------------------------------------------------------------
    def _principal(self, dist: Distribution, origin: Origin) -> s3_access.EdgePrincipal:
        kind = "oac" if origin.oac else ("oai" if origin.oai else "anonymous")
        return s3_access.EdgePrincipal(
            kind,
            dist.arn,
            self.settings.account_id,
            origin.oai,
            self.oai_canonical(origin.oai) if origin.oai else "",
        )

    def _s3_key(self, origin: Origin, uri: str) -> str:
        return f"{origin.path.lstrip('/')}{'/' if origin.path else ''}{uri.lstrip('/')}"

    def _s3_denied(
        self, dist: Distribution, origin: Origin, call: OriginCall
    ) -> EdgeResponse | None:
        from urllib.parse import unquote

        key = unquote(self._s3_key(origin, call.uri))
        action = "s3:GetObject" if call.method in ("GET", "HEAD") else "s3:PutObject"
        resource = f"arn:aws:s3:::{origin.bucket}/{key}"
        policy = self.bucket_policy(origin.bucket)
        if s3_access.allows(policy, self._principal(dist, origin), action, resource):
            return None
        return EdgeResponse(403, [("content-type", "application/xml")], _S3_ACCESS_DENIED)

    def _may_list(self, dist: Distribution, origin: Origin) -> bool:
        policy = self.bucket_policy(origin.bucket)
        return s3_access.allows(
            policy, self._principal(dist, origin), "s3:ListBucket", f"arn:aws:s3:::{origin.bucket}"
        )

    # -- where and what -------------------------------------------------------------------
    def _target(
        self, dist: Distribution, call: OriginCall, viewer: ViewerRequest, via: str, cf_id: str
    ) -> tuple[str, list[tuple[str, str]]]:
        origin = call.origin
        query = call.forwarded.query_string
        headers: list[tuple[str, str]] = [
            (k, v) for k, v in call.forwarded.headers if k not in HOP_BY_HOP
        ]
        names = {k for k, _ in headers}
        if call.forwarded.cookies:
            headers.append(("cookie", "; ".join(f"{k}={v}" for k, v in call.forwarded.cookies)))
        headers += [(k.lower(), v) for k, v in origin.custom_headers]
        if "user-agent" not in names:
            headers.append(("user-agent", "Amazon CloudFront"))
        xff = viewer.header("x-forwarded-for")
        headers.append(
            ("x-forwarded-for", f"{xff}, {viewer.client_ip}" if xff else viewer.client_ip)
        )
        headers += [("via", via), ("x-amz-cf-id", cf_id), *call.validators]
        if origin.kind in ("s3", "s3-website"):
            path = "/" + origin.bucket + "/" + self._s3_key(origin, call.uri)
            url = f"{self.settings.aws_endpoint}{path}" + (f"?{query}" if query else "")
            headers = [(k, v) for k, v in headers if k not in ("host", "authorization")]
            return url, _signed_s3(call.method, url, headers, call.body, self.settings.region)
        if origin.kind == "apigateway":
            base = "httpapis" if origin.api_id in self.http_apis() else "restapis"
            url = f"{self.settings.gateway_origin}/{base}/{origin.api_id}{origin.path}{call.uri}"
        else:
            host = "127.0.0.1" if is_local_host(origin.domain) else origin.domain
            https = origin.protocol_policy != "http-only"
            port = origin.https_port if https else origin.http_port
            default = 443 if https else 80
            local_port = self.local_ports(origin.domain.lower(), port)
            if local_port is not None and is_local_host(origin.domain):
                default = -1  # always name the local port
                port_in_url = local_port
            else:
                port_in_url = port
            netloc = host if port_in_url == default else f"{host}:{port_in_url}"
            url = f"{'https' if https else 'http'}://{netloc}{origin.path}{call.uri}"
            if "host" not in names:
                headers.append(
                    ("host", origin.domain if port == default else f"{origin.domain}:{port}")
                )
        return url + (f"?{query}" if query else ""), headers


def _signed_s3(
    method: str, url: str, headers: Sequence[tuple[str, str]], body: bytes, region: str
) -> list[tuple[str, str]]:
    """CloudFront signs its S3 requests (SigV4); locally with the root credentials, after the
    bucket policy was checked for CloudFront's principal above."""
    request = AWSRequest(method=method, url=url, data=body or b"", headers=dict(headers))
    S3SigV4Auth(Credentials(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY), "s3", region).add_auth(
        request
    )
    return list(request.headers.items())


def _cloudfront_error(status: int, kind: str) -> EdgeResponse:
    return EdgeResponse(status, [("x-stratus-edge-error", kind)], b"", generated=True)
