"""``AWS`` integrations with a service other than Lambda: SQS, SNS, EventBridge, DynamoDB,
S3, Kinesis, Step Functions... called through the local AWS endpoint, SigV4-signed with a
session of the integration's ``Credentials`` role.

The URI (https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html, ``uri``):
``arn:aws:apigateway:{region}:{subdomain.service|service}:{path|action}/{service_api}``.
"For AWS services that use the Action= query string parameter, service_api should be a valid
action for the desired service" — query-protocol services (SQS, SNS) get ``Action={Action}``
in the query string, JSON-protocol services (DynamoDB, EventBridge, Kinesis, Step Functions)
``X-Amz-Target: {targetPrefix}.{Action}`` with their ``application/x-amz-json`` type; with
``path/``, "the remaining substring in the URI should be treated as the path to the
resource", its ``{name}`` placeholders filled from ``integration.request.path.name``
(S3 ``path/{bucket}/{key}``, SQS ``path/{account}/{queue}``).

The integration request carries only what was mapped (parameters, template), never the
client's own headers. The body goes through integration responses selected by the service's
status code; a query service's XML answer is turned into the JSON API Gateway receives when
it asks with ``Accept: application/json`` (``{"SendMessageResponse": {...}}``).
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stratus.local.core.service_index import ServiceMeta, all_services, service_model
from stratus.local.gateway.integrations.base import (
    BackendResponse,
    IntegrationCall,
    IntegrationResult,
    configuration_error,
)
from stratus.local.gateway.integrations.nonproxy import map_request, map_response

_URI = re.compile(r"^arn:aws[\w-]*:apigateway:([^:]*):([^:]+):(action|path)/(.*)$", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# SQS answers the query protocol besides JSON (botocore's model lists JSON only).
_QUERY_COMPATIBLE = frozenset({"sqs"})


@dataclass(frozen=True)
class ServiceTarget:
    region: str
    subdomain: str | None  # "mybucket" of "mybucket.s3"
    service: str  # the endpoint prefix: sqs, dynamodb, events, states, s3...
    kind: str  # action | path
    api: str  # the action name, or the path after "path/"


def parse_uri(uri: str) -> ServiceTarget | None:
    found = _URI.match(uri)
    if not found:
        return None
    region, service, kind, api = found.groups()
    subdomain, _, name = service.rpartition(".")
    return ServiceTarget(region, subdomain or None, name, kind, api)


@functools.cache
def service_meta(endpoint_prefix: str) -> ServiceMeta | None:
    """The botocore service an endpoint prefix names (``states`` → stepfunctions)."""
    found = [m for m in all_services().values() if m.endpoint_prefix == endpoint_prefix]
    found.sort(key=lambda m: (m.name != endpoint_prefix, m.name))
    return found[0] if found else None


def _json_content_type(meta: ServiceMeta) -> str:
    version = service_model(meta.name).get("metadata", {}).get("jsonVersion", "1.0")
    return f"application/x-amz-json-{version}"


def _is_query(meta: ServiceMeta) -> bool:
    return meta.protocol in ("query", "ec2") or meta.name in _QUERY_COMPATIBLE


def fill_path(template: str, values: dict[str, str]) -> str:
    """``{name}`` placeholders of a URI path from the mapped path parameters, URL-encoded
    but keeping ``/``: a ``{proxy+}`` value put in ``{proxy}`` is a path of several
    segments (api-gateway-set-up-simple-proxy.html), as is an S3 key."""

    def repl(m: re.Match[str]) -> str:
        value = values.get(m.group(1).rstrip("+"))
        return m.group(0) if value is None else quote(value, safe="/")

    return _PLACEHOLDER.sub(repl, template)


async def integrate(call: IntegrationCall) -> IntegrationResult:
    spec = call.method.spec
    target = parse_uri(spec.uri)
    if target is None:
        raise configuration_error(f"invalid AWS integration URI {spec.uri!r}")
    meta = service_meta(target.service)
    if meta is None:
        raise configuration_error(f"unknown AWS service {target.service!r}")
    if not spec.credentials:
        raise configuration_error("an AWS service integration needs Credentials (a role)")
    principal = call.services.sessions.for_integration(
        spec.credentials, call.hmap, call.req.epoch_ms / 1000
    )
    if principal is None:
        raise configuration_error("no credentials for the integration")
    mapped = map_request(call)

    method = spec.http_method
    headers = {name: values[-1] for name, values in mapped.headers.items()}
    lowered = {k.lower() for k in headers}
    query = [(k, v) for k, values in mapped.querystring.items() for v in values]
    path = "/"
    if target.kind == "action":
        if _is_query(meta):
            query = [("Action", target.api), *query]
        elif meta.target_prefix:
            headers["X-Amz-Target"] = f"{meta.target_prefix}.{target.api}"
            if "content-type" not in lowered:
                headers["Content-Type"] = _json_content_type(meta)
                lowered.add("content-type")
        else:
            raise configuration_error(f"{meta.name} has no actions; use a path/ URI")
    else:
        path = "/" + fill_path(target.api, mapped.path).lstrip("/")
        if target.subdomain and meta.name == "s3":
            path = f"/{quote(target.subdomain, safe='')}{path}"
    body = mapped.body
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if _is_query(meta) and "x-www-form-urlencoded" not in (content_type or ""):
        # A query-protocol service reads parameters from the query string or a form body
        # only; anything else (the client's JSON passed through) carries nothing for it.
        body = b""
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    elif content_type is None and body:
        headers["Content-Type"] = mapped.content_type
    if _is_query(meta) and "accept" not in lowered:
        headers["Accept"] = "application/json"

    endpoint = call.ctx.settings.aws_endpoint
    url = endpoint + path + (("?" + urlencode(query, quote_via=quote)) if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    credentials = Credentials(
        principal.access_key_id, principal.secret_access_key, principal.session_token
    )
    # S3 also wants the payload's hash in x-amz-content-sha256 (S3SigV4Auth adds it).
    signer = S3SigV4Auth if meta.name == "s3" else SigV4Auth
    signer(credentials, meta.signing_name, target.region or call.ctx.settings.region).add_auth(
        request
    )
    try:
        resp = await call.services.client().request(
            method, url, content=body, headers=dict(request.headers.items())
        )
    except httpx.HTTPError as exc:
        raise configuration_error(f"{meta.name} endpoint: {exc}") from None
    call.log["integration.status"] = resp.status_code
    body = resp.content
    if headers.get("Accept") == "application/json" and _is_xml(
        resp.headers.get("content-type"), body
    ):
        body = xml_to_json(body)
    backend = BackendResponse(
        status=resp.status_code,
        headers=_multi(resp.headers),
        body=body,
        selector=str(resp.status_code),
    )
    return map_response(call, backend)


def _multi(headers: httpx.Headers) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in headers.multi_items():
        out.setdefault(name, []).append(value)
    return out


def _is_xml(content_type: str | None, body: bytes) -> bool:
    # moto labels some query answers text/html; the document says what it is.
    return "xml" in (content_type or "").lower() or body.lstrip().startswith(b"<")


def xml_to_json(body: bytes) -> bytes:
    """A query service's XML answer as JSON: ``{"Root": {"Child": "text", ...}}``; lists
    of ``member`` elements become arrays. Not XML: the body as it is."""
    import json

    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    return json.dumps({_tag(root): _element(root)}, separators=(",", ":")).encode()


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _element(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return element.text
    if all(_tag(c) == "member" for c in children):
        return [_element(c) for c in children]
    out: dict[str, Any] = {}
    for child in children:
        name, value = _tag(child), _element(child)
        if name in out:
            existing = out[name]
            out[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[name] = value
    return out
