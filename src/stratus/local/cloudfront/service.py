"""CloudFront as an emulated service: the local edge (HTTPS, its own port) for every
provisioned distribution, and invalidations that really empty its cache.

The invalidation API (CreateInvalidation, GetInvalidation, ListInvalidations) is moto's,
with two hooks: before, the paths are checked as CloudFront checks them (each starts with
`/`, `*` only at the end: "Your request contains one or more invalid invalidation paths",
InvalidArgument); after moto stored the batch, the matching cache entries go. The
invalidation is `Completed` at once, which is also true locally (moto spells it `COMPLETED`;
the answers are rewritten to CloudFront's word, which `wait invalidation-completed` expects).

Not emulated, named at start: CloudFront Functions (JavaScript; their associations are
skipped), origin groups (failover), field-level encryption, signed URLs/cookies (trusted
key groups), geo restrictions, access logs and real-time logs. AWS WAF web ACLs
(`WebACLId`) are evaluated by the wafv2 service through a distribution's `viewer_filters`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.cloudfront import policies
from stratus.local.cloudfront.certs import AliasCertificates, issue_edge_certificate
from stratus.local.cloudfront.config import Distribution, local_domain, parse_distribution
from stratus.local.cloudfront.edge import Edge
from stratus.local.cloudfront.origins import OriginGateway
from stratus.local.cloudfront.protocol import EdgeHttpProtocol
from stratus.local.cloudfront.providers import (
    DistributionProvider,
    FunctionProvider,
    OriginAccessControlProvider,
    OriginAccessIdentityProvider,
    PolicyProvider,
)
from stratus.local.cloudfront.s3_access import parse_policy
from stratus.local.cloudfront.store import EdgeCache, valid_invalidation_path
from stratus.local.core import servers
from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.errors import aws_error
from stratus.local.core.registry import BeforeHook, EmulatedService, Hook, PortSpec
from stratus.local.lambda_runtime.service import LambdaService
from stratus.local.provision.model import Deployment
from stratus.local.provision.provider import Provider

log = logging.getLogger("stratus.cloudfront")
DEFAULT_EDGE_PORT = 4480
CACHE_MB_ENV = "STRATUS_EDGE_CACHE_MB"
DEFAULT_CACHE_MB = 512


class CloudFrontService(EmulatedService):
    name = "cloudfront"
    order = 45  # after Lambda (Lambda@Edge) and the gateway (API origins)
    moto_backends = ("cloudfront",)
    ports = (PortSpec("edge", DEFAULT_EDGE_PORT, "CloudFront edge (HTTPS)"),)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::CloudFront::Distribution": DistributionProvider(),
        "AWS::CloudFront::CachePolicy": PolicyProvider(),
        "AWS::CloudFront::OriginRequestPolicy": PolicyProvider(),
        "AWS::CloudFront::ResponseHeadersPolicy": PolicyProvider(),
        "AWS::CloudFront::OriginAccessControl": OriginAccessControlProvider(),
        "AWS::CloudFront::CloudFrontOriginAccessIdentity": OriginAccessIdentityProvider(),
        "AWS::CloudFront::Function": FunctionProvider(),
    }

    def __init__(self) -> None:
        self.edge: Edge | None = None
        self.origins: OriginGateway | None = None
        self.url = ""
        self.forward: Any = None  # CloudContext.forward_to_moto (set in prepare)

    # -- invalidations --------------------------------------------------------------------
    def hooks(self) -> Iterable[Hook]:
        async def check_paths(call: AwsCall) -> Response | None:
            bad = [
                p for p in invalidation_paths(call.request.body) if not valid_invalidation_path(p)
            ]
            if not bad:
                return None
            return aws_error(
                "query",
                "InvalidArgument",
                "Your request contains one or more invalid invalidation paths.",
                400,
            )

        async def empty_cache(call: AwsCall, response: Response) -> None:
            if self.edge is None or response.status_code >= 300:
                return
            distribution = call.labels.get("DistributionId", "")
            paths = invalidation_paths(call.request.body)
            removed = self.edge.cache.invalidate(distribution, paths)
            log.info(
                "invalidation of %s %s: %d cached objects removed", distribution, paths, removed
            )

        def rewritten(rewrite: Callable[[bytes], bytes]) -> BeforeHook:
            """A before-hook: moto's answer with its body rewritten."""

            async def hook(call: AwsCall) -> Response | None:
                if self.forward is None:
                    return None
                answer = await self.forward(call.request)
                if answer.status_code >= 300:
                    return answer
                body = rewrite(bytes(answer.body))
                headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
                return Response(body, status_code=answer.status_code, headers=headers)

            return hook

        return [
            Hook("cloudfront", "CreateInvalidation", before=check_paths, after=empty_cache),
            *(
                Hook("cloudfront", op, before=rewritten(with_invalidation_status))
                for op in ("CreateInvalidation", "GetInvalidation", "ListInvalidations")
            ),
            *(
                Hook("cloudfront", op, before=rewritten(with_local_domains))
                for op in ("GetDistribution", "ListDistributions", "UpdateDistribution")
            ),
        ]

    async def prepare(self, cloud: CloudContext) -> None:
        self.forward = cloud.forward_to_moto

    # -- the edge -------------------------------------------------------------------------
    async def start(self, cloud: CloudContext) -> None:
        deployment = cloud.require_deployment()
        distributions = load_distributions(deployment, cloud.reporter.warn)
        if not distributions:
            return
        settings = cloud.settings
        lambdas = cloud.service(LambdaService).runtime
        self.origins = OriginGateway(
            settings,
            http_apis=lambda: {
                r.physical_id for r in deployment.resources("AWS::ApiGatewayV2::Api")
            },
            bucket_policy=bucket_policy,
            oai_canonical=lambda oai: _oai_canonical(deployment, oai),
            ca_file=str(settings.ca_pem),
            local_ports=_listener_ports(settings, deployment),
        )
        self.edge = Edge(distributions, self.origins, lambdas, EdgeCache(cache_bytes()))
        self.edge.metrics = cloud.metrics
        names = [name for dist in distributions for name in dist.names()]
        port = settings.ports.edge
        with cloud.reporter.step("Starting the CloudFront edge (HTTPS)"):
            cert, key = await asyncio.to_thread(issue_edge_certificate, settings, names)
            acm = acm_certificates(deployment, settings)
            running = await servers.start_server(
                "edge",
                self.edge,
                settings.listen_hosts,
                port,
                ssl_certfile=str(cert),
                ssl_keyfile=str(key),
                http=EdgeHttpProtocol,
                sni_callback=AliasCertificates(acm).sni_callback if acm else None,
            )
            cloud.servers.append(running)
        self.url = f"https://{settings.host}:{port}"
        for dist in distributions:
            cloud.urls.append(
                (f"{dist.logical} (CloudFront {dist.id})", f"https://{dist.domain}:{port}/")
            )

    async def stop(self) -> None:
        if self.origins is not None:
            await self.origins.aclose()
            self.origins = None

    def describe(self) -> Mapping[str, Any]:
        if self.edge is None:
            return {}
        return {"edge": self.url, "distributions": len(self.edge.distributions)}


_MOTO_DOMAIN = re.compile(
    rb"<Id>([A-Z0-9]+)</Id>(.*?)<DomainName>[a-z0-9]+\.cloudfront\.net</DomainName>", re.S
)


def with_local_domains(body: bytes) -> bytes:
    """moto's `<random>.cloudfront.net` DomainName of each distribution in a response
    replaced with the local name the edge answers for (and the outputs show)."""

    def local(match: re.Match[bytes]) -> bytes:
        domain = local_domain(match.group(1).decode()).encode()
        return (
            b"<Id>"
            + match.group(1)
            + b"</Id>"
            + match.group(2)
            + b"<DomainName>"
            + domain
            + b"</DomainName>"
        )

    return _MOTO_DOMAIN.sub(local, body)


def with_invalidation_status(body: bytes) -> bytes:
    """moto's invalidation status `COMPLETED` as CloudFront answers it, `Completed`:
    https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Invalidation.html"""
    return body.replace(b"<Status>COMPLETED</Status>", b"<Status>Completed</Status>")


def cache_bytes() -> int:
    """The edge cache's size: STRATUS_EDGE_CACHE_MB (default 512 MiB, so one object of up to
    a quarter of it, 128 MiB, is cached: a 100 MB release binary fits). Objects are kept in
    the local cloud's memory."""
    raw = os.environ.get(CACHE_MB_ENV, "").strip()
    try:
        megabytes = int(raw) if raw else DEFAULT_CACHE_MB
    except ValueError:
        megabytes = DEFAULT_CACHE_MB
    return max(1, megabytes) * 1024 * 1024


def _listener_ports(settings: Any, deployment: Deployment) -> Callable[[str, int], int | None]:
    """(load balancer DNS name, listener port on AWS) -> its local port, for custom origins
    pointing at a local ALB (`elbv2.names`)."""
    from stratus.local.elbv2.names import local_listeners

    ports = {
        (listener.dns_name.lower(), listener.port): listener.local_port
        for listener in local_listeners(settings, deployment)
        if listener.dns_name
    }
    return lambda host, port: ports.get((host, port))


def acm_certificates(deployment: Deployment, settings: Any) -> dict[str, tuple[Any, Any]]:
    """alias -> the (certificate, key) files of the ACM certificate its distribution names
    (ViewerCertificate.AcmCertificateArn), when the local ACM issued it."""
    from stratus.local.acm.issue import files

    out: dict[str, tuple[Any, Any]] = {}
    for res in deployment.resources("AWS::CloudFront::Distribution"):
        config = res.properties.get("DistributionConfig") or {}
        arn = str((config.get("ViewerCertificate") or {}).get("AcmCertificateArn") or "")
        if not arn:
            continue
        cert, key = files(settings, arn)
        if cert.exists() and key.exists():
            for alias in config.get("Aliases") or []:
                out[str(alias).lower()] = (cert, key)
    return out


def invalidation_paths(body: bytes) -> list[str]:
    """The Path items of an InvalidationBatch (namespace ignored)."""
    if not body:
        return []
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return []
    return [el.text or "" for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Path"]


def bucket_policy(bucket: str) -> dict[str, Any] | None:
    """The bucket's policy, read from moto's backend on the origin-fetch path (a miss)."""
    from stratus.local.s3guard.service import moto_bucket

    found = moto_bucket(bucket)
    return parse_policy(getattr(found, "policy", None)) if found is not None else None


def _oai_canonical(deployment: Deployment, oai: str) -> str:
    for res in deployment.resources("AWS::CloudFront::CloudFrontOriginAccessIdentity"):
        if res.physical_id == oai:
            return str(res.attributes.get("S3CanonicalUserId", ""))
    return ""


def policy_book(deployment: Deployment) -> policies.PolicyBook:
    book = policies.PolicyBook()
    for res in deployment.resources("AWS::CloudFront::CachePolicy"):
        book.cache[res.physical_id] = policies.cache_policy_from(
            res.properties.get("CachePolicyConfig") or {}
        )
    for res in deployment.resources("AWS::CloudFront::OriginRequestPolicy"):
        book.origin_request[res.physical_id] = policies.origin_request_policy_from(
            res.properties.get("OriginRequestPolicyConfig") or {}
        )
    for res in deployment.resources("AWS::CloudFront::ResponseHeadersPolicy"):
        book.response_headers[res.physical_id] = policies.response_headers_policy_from(
            res.properties.get("ResponseHeadersPolicyConfig") or {}
        )
    return book


def load_distributions(deployment: Deployment, warn: Any) -> list[Distribution]:
    """Every provisioned distribution, parsed; what is not emulated is named once."""
    book = policy_book(deployment)
    found: list[Distribution] = []
    for res in deployment.resources("AWS::CloudFront::Distribution"):
        config = res.properties.get("DistributionConfig") or {}
        account = deployment.stacks[res.stack].account
        arn = f"arn:aws:cloudfront::{account}:distribution/{res.physical_id}"
        where = f"{res.stack}/{res.logical_id}"
        try:
            dist = parse_distribution(res.physical_id, arn, config, book, logical=where)
        except (KeyError, ValueError) as exc:
            warn(f"CloudFront distribution {where} not served: {exc}")
            continue
        for note in unsupported(config, dist):
            warn(f"CloudFront {where}: {note}")
        found.append(dist)
    return found


def unsupported(config: Mapping[str, Any], dist: Distribution) -> list[str]:
    notes = []
    functions = [f for b in (dist.default, *dist.behaviors) for f in b.functions]
    if functions:
        notes.append(
            f"CloudFront Functions not run locally ({len(functions)} association(s) skipped)"
        )
    if (config.get("OriginGroups") or {}).get("Items") or (
        isinstance(config.get("OriginGroups"), list) and config["OriginGroups"]
    ):
        notes.append("origin groups (failover) not emulated: the primary origin is used")
    if (config.get("Logging") or {}).get("Bucket"):
        notes.append("access logs not written locally")
    for b in (dist.default, *dist.behaviors):
        for fn in b.lambdas.values():
            if fn.arn.endswith(":$LATEST") or fn.arn.count(":") < 7:
                notes.append(
                    f"Lambda@Edge {fn.event_type} {fn.arn}: AWS requires a numbered version"
                )
    return notes


SERVICES = [CloudFrontService]
