"""outputs.json: stack outputs in `cdk deploy --outputs-file` shape, pointed at 127.0.0.1.

Clients (the CLI, the web app, tests) read the same file locally and on AWS; locally every
AWS URL in it is rewritten to where the local cloud serves that thing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic
from stratus.local.core.settings import LocalSettings, http_api_url, rest_api_url
from stratus.local.gateway.domains import ALIAS_PREFIX
from stratus.local.provision.model import Deployment

_EXECUTE_API = re.compile(
    r"https://(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<stage>[^/?#\s]+)/?(?P<rest>[^\s]*)"
)
# An HTTP API (v2) URL may have no stage segment ($default stage): the host alone is mapped.
_EXECUTE_API_HOST = re.compile(
    r"https://(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?(?=[/?#\s]|$)/?"
)
# A user pool's prefix domain: served locally by the hosted UI (cognito/hosted_ui) on the
# gateway at the alias path of `<prefix>.auth.<region>.localhost`.
_COGNITO_PREFIX_DOMAIN = re.compile(
    r"https://(?P<prefix>[a-z0-9-]+)\.auth\.(?P<region>[a-z0-9-]+)\.amazoncognito\.com(?=[/?#\s]|$)"
)
# A local CloudFront domain in a URL: the edge serves it on its own port.
_EDGE_URL = re.compile(r"(https://[a-z0-9-]+\.cloudfront\.localhost)(?=[/?#\s]|$)")
# A custom domain on a `*.localhost` name, without a port (a port means it is served there).
_LOCAL_DOMAIN_URL = re.compile(r"https://(?P<name>(?:[a-z0-9-]+\.)+localhost)(?=[/?#\s]|$)")
_AWS_SERVICE = re.compile(r"https?://[^/\s]*\.amazonaws\.com(?:\.cn)?(?=[/?#\s]|$)")


def with_edge_port(settings: LocalSettings, value: str) -> str:
    """`https://<local distribution domain>` URLs get the port the local edge serves on."""
    return _EDGE_URL.sub(lambda m: f"{m[1]}:{settings.ports.get('edge')}", value)


def rewrite_rest_api_urls(settings: LocalSettings, value: str) -> str:
    """REST API stage URLs in `value` -> where the local gateway serves those stages; so do
    `https://<name>.localhost` URLs (no port: a custom domain name on a loopback name, RFC
    6761) -> the gateway's path for that domain (`gateway/domains.py`, ALIAS_PREFIX)."""
    value = _EXECUTE_API.sub(
        lambda m: rest_api_url(settings, m["api"], m["stage"]) + m["rest"], value
    )
    return _LOCAL_DOMAIN_URL.sub(
        lambda m: (
            m[0]
            # the edge's (with_edge_port) and load balancers' (their listeners' ports)
            if m["name"].endswith((".cloudfront.localhost", ".elb.localhost"))
            else f"{settings.gateway_origin}{ALIAS_PREFIX}{m['name']}"
        ),
        value,
    )


def rewrite_user_pool_domains(
    settings: LocalSettings, value: str, custom_domains: Collection[str] = ()
) -> str:
    """User-pool domain URLs (AWS::Cognito::UserPoolDomain) -> where the local gateway serves
    that domain's hosted UI: `<gateway>/_stratus/domains/<local name>` (every client can
    reach it; browsers can use `https://<local name>:<port>` too). `custom_domains`: the
    deployment's custom user-pool domains, which keep their name."""
    value = _COGNITO_PREFIX_DOMAIN.sub(
        lambda m: (
            f"{settings.gateway_origin}{ALIAS_PREFIX}{m['prefix']}.auth.{m['region']}.localhost"
        ),
        value,
    )
    for name in custom_domains:
        pattern = re.compile(rf"https://{re.escape(name)}(?=[/?#\s]|$)", re.IGNORECASE)
        value = pattern.sub(f"{settings.gateway_origin}{ALIAS_PREFIX}{name.lower()}", value)
    return value


def custom_user_pool_domains(deployment: Deployment) -> list[str]:
    return [
        str(r.properties.get("Domain"))
        for r in deployment.resources("AWS::Cognito::UserPoolDomain")
        if r.properties.get("CustomDomainConfig") and r.properties.get("Domain")
    ]


def rewrite_url(settings: LocalSettings, value: str, http_apis: Collection[str] = ()) -> str:
    """API Gateway -> local gateway; other amazonaws.com endpoints -> the local AWS endpoint.
    `http_apis`: ids of HTTP APIs (v2), whose URLs keep their path after the local prefix."""

    def http_api(match: re.Match[str]) -> str:
        if match["api"] not in http_apis:
            return match[0]
        url = http_api_url(settings, match["api"])  # keeps AWS's path after it
        return url if match[0].endswith("/") else url.rstrip("/")

    if http_apis:
        value = _EXECUTE_API_HOST.sub(http_api, value)
    value = rewrite_rest_api_urls(settings, value)
    value = with_edge_port(settings, value)
    return _AWS_SERVICE.sub(settings.aws_endpoint, value)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)  # CloudFormation joins list outputs with commas
    return json.dumps(value)


def outputs_for(settings: LocalSettings, deployment: Deployment) -> dict[str, dict[str, str]]:
    from stratus.local.elbv2.names import local_listeners, rewrite_urls

    http_apis = {r.physical_id for r in deployment.resources("AWS::ApiGatewayV2::Api")}
    # Load balancer URLs get the local port of the listener they name (elbv2.names), first:
    # with a port they are left alone by the rewrites of other `*.localhost` names.
    listeners = local_listeners(settings, deployment)
    custom = custom_user_pool_domains(deployment)
    return {
        name: {
            key: rewrite_url(
                settings,
                rewrite_user_pool_domains(settings, rewrite_urls(_text(value), listeners), custom),
                http_apis,
            )
            for key, value in stack.outputs.items()
        }
        for name, stack in deployment.stacks.items()
    }


def write_outputs(settings: LocalSettings, deployment: Deployment) -> dict[str, dict[str, str]]:
    """Write `<state_dir>/outputs.json` and return what was written."""
    outputs = outputs_for(settings, deployment)
    write_atomic(
        settings.outputs_json, (json.dumps(outputs, indent=2, sort_keys=True) + "\n").encode()
    )
    return outputs


def local_urls(
    deployment: Deployment, settings: LocalSettings | None = None
) -> list[tuple[str, str]]:
    """(label, url) pairs to print at start-up: every REST API stage, then URL outputs."""
    settings = settings or LocalSettings(project_root=Path("."), state_dir=Path("."))
    urls: list[tuple[str, str]] = []
    apis = {r.physical_id: r for r in deployment.resources("AWS::ApiGateway::RestApi")}
    for stage in deployment.resources("AWS::ApiGateway::Stage"):
        api = apis.get(str(stage.properties.get("RestApiId")))
        label = f"{stage.stack}/{api.logical_id if api else stage.logical_id} ({stage.physical_id})"
        urls.append(
            (
                label,
                rest_api_url(settings, str(stage.properties.get("RestApiId")), stage.physical_id),
            )
        )
    for stack, values in outputs_for(settings, deployment).items():
        for key, value in values.items():
            if value.startswith(("http://", "https://")):
                urls.append((f"{stack}.{key}", value))
    return urls
