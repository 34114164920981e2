"""Route an AWS API request to (service, operation), for every protocol, from botocore's models.

How AWS clients address a service (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
- JSON protocols send `X-Amz-Target: <targetPrefix>.<Operation>`;
- Smithy RPC v2 CBOR posts to `/service/<targetPrefix>/operation/<Operation>`;
- query protocols post `Action=<Operation>` (form body or query string);
- REST protocols are matched on method + path + query against each operation's
  `http.requestUri` (the most literal template wins, as a URI router would choose);
- the service itself comes from the target prefix, else the SigV4 credential scope's service
  (header or pre-signed query), else the default (S3, the only service browsers post to
  unsigned).
No library does this outside LocalStack's whole gateway, hence this module.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.service_index import ServiceMeta, all_services, service_model

_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")
_REGION_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/")
DEFAULT_SERVICE = "s3"
# Services whose botocore model lists JSON only but that still answer the query protocol
# (what API Gateway's SQS integrations send: `Action=SendMessage`,
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-xml.html).
_QUERY_COMPATIBLE = frozenset({"sqs"})
# Unsigned query-protocol calls name no service in a credential scope; STS's are told by
# their form's Version and Action: AssumeRoleWithWebIdentity / AssumeRoleWithSAML are sent
# unsigned by design ("does not require the use of AWS security credentials",
# https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html), and
# any other unsigned STS call must reach STS to be refused as STS refuses it.
_UNSIGNED_QUERY_SERVICES = ("sts",)


@dataclass(frozen=True)
class _RestRoute:
    operation: str
    method: str
    segments: tuple[str, ...]  # literal text, or "{Label}" / "{Label+}"
    query_literals: tuple[tuple[str, str | None], ...]  # ?uploads, ?list-type=2, ?uploadId
    required_headers: tuple[str, ...]  # lower-case; e.g. x-amz-copy-source for CopyObject
    score: tuple[int, ...]

    def match(
        self, method: str, parts: list[str], query: dict[str, str], headers: dict[str, str]
    ) -> dict[str, str] | None:
        if method != self.method:
            return None
        for key, value in self.query_literals:
            if key not in query or (value is not None and query[key] != value):
                return None
        if any(name not in headers for name in self.required_headers):
            return None
        labels: dict[str, str] = {}
        i = 0
        for j, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[i:]
                if not rest or (len(rest) == 1 and rest[0] == ""):
                    return None
                labels[segment[1:-2]] = "/".join(rest)
                return labels if j == len(self.segments) - 1 else None
            if i >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if parts[i] == "":
                    return None
                labels[segment[1:-1]] = parts[i]
            elif segment != parts[i]:
                return None
            i += 1
        if i != len(parts) and not (i == len(parts) - 1 and parts[-1] == ""):
            return None
        return labels


def _split(path: str) -> list[str]:
    path = path.split("?", 1)[0]
    if path in ("", "/"):
        return []
    return path.lstrip("/").split("/")


@functools.cache
def _rest_routes(service: str) -> tuple[_RestRoute, ...]:
    model = service_model(service)
    shapes = model.get("shapes", {})
    routes = []
    for name, op in model.get("operations", {}).items():
        http = op.get("http") or {}
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        literals: list[tuple[str, str | None]] = []
        for item in filter(None, query.split("&")):
            key, sep, value = item.partition("=")
            literals.append((key, value if sep else None))
        # Required members bound to the query string or a header also tell operations apart
        # (AbortMultipartUpload needs ?uploadId, CopyObject needs x-amz-copy-source).
        headers: list[str] = []
        input_shape = shapes.get((op.get("input") or {}).get("shape", ""), {})
        for member in input_shape.get("required", []):
            spec = input_shape.get("members", {}).get(member, {})
            where, wire_name = spec.get("location"), spec.get("locationName", member)
            if where == "querystring" and all(k != wire_name for k, _ in literals):
                literals.append((wire_name, None))
            elif where == "header":
                headers.append(wire_name.lower())
        segments = tuple(_split(path))
        literal_count = sum(1 for s in segments if not s.startswith("{"))
        greedy = any(s.endswith("+}") for s in segments)
        routes.append(
            _RestRoute(
                operation=name,
                method=http.get("method", "POST"),
                segments=segments,
                query_literals=tuple(literals),
                required_headers=tuple(headers),
                score=(
                    len(literals) + len(headers),
                    literal_count,
                    0 if greedy else 1,
                    0 if op.get("deprecated") else 1,
                ),
            )
        )
    routes.sort(key=lambda r: r.score, reverse=True)
    return tuple(routes)


@functools.cache
def _routes_for(service: str, method: str, with_query: bool) -> tuple[_RestRoute, ...]:
    """`_rest_routes(service)` that may match a `method` request, in the same order: only
    those without query literals when the request has no query (the others never match)."""
    return tuple(
        r
        for r in _rest_routes(service)
        if r.method == method and (with_query or not r.query_literals)
    )


@functools.lru_cache(maxsize=1)
def _by_target_prefix() -> dict[str, ServiceMeta]:
    return {m.target_prefix: m for m in all_services().values() if m.target_prefix}


@functools.cache
def _by_signing_name(signing: str) -> tuple[ServiceMeta, ...]:
    found = [
        m
        for m in all_services().values()
        if m.signing_name == signing or (m.endpoint_prefix == signing and m.name == signing)
    ]
    # The service named exactly like the scope first (s3 before s3control, ses before sesv2).
    found.sort(key=lambda m: (m.name != signing, m.name))
    return tuple(found)


def _region(request: AwsRequest) -> str:
    match = _REGION_SCOPE.search(request.headers.get("authorization", ""))
    if match:
        return match.group(1)
    credential = request.query_value("X-Amz-Credential") or ""
    parts = credential.split("/")
    return parts[2] if len(parts) >= 5 else "us-east-1"


def _rest_operation(service: str, request: AwsRequest) -> tuple[str | None, dict[str, str]]:
    parts = _split(request.raw_path or request.path)
    query = dict(request.query)
    method = request.method.upper()
    for rest_route in _routes_for(service, method, bool(query)):
        labels = rest_route.match(method, parts, query, request.headers)
        if labels is not None:
            return rest_route.operation, {k: unquote(v) for k, v in labels.items()}
    return None, {}


def _s3_form_post(request: AwsRequest) -> bool:
    """A browser's POST upload (pre-signed POST): not an operation of the S3 model."""
    content_type = request.headers.get("content-type", "")
    return request.method == "POST" and content_type.startswith("multipart/form-data")


def _operation_for(
    meta: ServiceMeta, request: AwsRequest
) -> tuple[str | None, dict[str, str], str]:
    protocol = meta.protocol
    target = request.target
    if target and meta.target_prefix and target.startswith(meta.target_prefix + "."):
        json_protocol = "json" if protocol in ("smithy-rpc-v2-cbor",) else protocol
        if "json" in meta.protocols:
            json_protocol = "json"
        return target.split(".", 1)[1], {}, json_protocol
    cbor = _CBOR_PATH.match(request.path)
    if cbor and request.method == "POST":
        return cbor.group(2), {}, "smithy-rpc-v2-cbor"
    if protocol in ("query", "ec2") or (
        ("query" in meta.protocols or meta.name in _QUERY_COMPATIBLE)
        and request.method == "POST"
        and not target
    ):
        action = _form_action(request)
        return action, {}, "query" if protocol != "ec2" else "ec2"
    if protocol in ("rest-json", "rest-xml"):
        if meta.name == "s3" and _s3_form_post(request) and len(_split(request.path)) == 1:
            return "PostObject", {"Bucket": unquote(_split(request.path)[0])}, protocol
        operation, labels = _rest_operation(meta.name, request)
        return operation, labels, protocol
    return None, {}, protocol


def _form_action(request: AwsRequest) -> str | None:
    return _form_value(request, "Action")


def _form_value(request: AwsRequest, name: str) -> str | None:
    found = request.query_value(name)
    if found:
        return found
    if "x-www-form-urlencoded" in request.headers.get("content-type", "") and request.body:
        for key, value in (
            pair.partition("=")[::2] for pair in request.body.decode("utf-8", "replace").split("&")
        ):
            if key == name:
                return unquote(value.replace("+", " "))
    return None


def _by_version(request: AwsRequest, metas: list[ServiceMeta]) -> list[ServiceMeta]:
    """Query-protocol services sharing a signing name (elb and elbv2 both sign as
    `elasticloadbalancing` and both have DescribeLoadBalancers) differ by the `Version`
    the request names: the services whose API version it is, first."""
    version = _form_value(request, "Version") if len(metas) > 1 else None
    if not version:
        return metas
    return sorted(metas, key=lambda m: m.api_version != version)


def candidates(request: AwsRequest) -> Iterable[ServiceMeta]:
    """Services this request may be for, most likely first."""
    target = request.target
    if target:
        prefix = target.split(".", 1)[0]
        meta = _by_target_prefix().get(prefix)
        if meta is not None:
            yield meta
            return
    cbor = _CBOR_PATH.match(request.path)
    if cbor:
        meta = _by_target_prefix().get(cbor.group(1))
        if meta is not None:
            yield meta
            return
    signing = request.signing_service
    if signing:
        yield from _by_signing_name(signing)
        return
    services = all_services()
    if request.method == "POST" and _form_action(request):
        version = _form_value(request, "Version")
        for name in _UNSIGNED_QUERY_SERVICES:
            if name in services and version and version == services[name].api_version:
                yield services[name]
                return
    if DEFAULT_SERVICE in services:
        yield services[DEFAULT_SERVICE]


def route(request: AwsRequest) -> AwsCall:
    """Parse `request` into an AwsCall; service/operation None when nothing matched."""
    region = _region(request)
    first: AwsCall | None = None
    for meta in _by_version(request, list(candidates(request))):
        operation, labels, protocol = _operation_for(meta, request)
        call = AwsCall(
            request=request,
            service=meta.name,
            operation=operation,
            protocol=protocol,
            labels=labels,
            region=region,
        )
        if operation is not None:
            return call
        first = first or call
    return first or AwsCall(request=request, service=None, operation=None, region=region)
