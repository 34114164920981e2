"""Custom domain names: which API stage a request to `Host: api.example.test` reaches.

Compiled once from the deployment's AWS::ApiGateway::DomainName / DomainNameV2 and
AWS::ApiGatewayV2::DomainName resources and their mappings — AWS::ApiGateway::BasePathMapping,
AWS::ApiGateway::BasePathMappingV2 and AWS::ApiGatewayV2::ApiMapping (the CDK emits the
last one for a multi-level base path such as `orders/v1`, for REST APIs too).

Matching, as AWS describes it
(https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html,
"Mapping API requests"; https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html):
the mapping with the longest matching base path wins, whole path segments compared; the
base path is stripped before the API sees the request; a request no mapping matches goes to
the mapping of the empty base path `(none)`, and without one API Gateway answers
403 {"message":"Forbidden"}. A BasePathMapping whose Stage is absent or `(none)` leaves the
stage to the caller: it is the first segment after the base path.

Without DNS for a name (Python's resolver does not map `*.localhost` to loopback; Chromium
and curl do), a client reaches a domain at `<gateway>/_stratus/domains/<name>/<path>`
(`ALIAS_PREFIX`, as the edge serves `/_stratus/distributions/<id>/`): served exactly as
`https://<name>/<path>`, the API seeing `/<path>`, a SigV4 signature checked against the
path as sent. outputs.json and functions' environments name `*.localhost` domains that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from stratus.local.provision.model import Deployment

NONE = "(none)"
ALIAS_PREFIX = "/_stratus/domains/"
DOMAIN_TYPES = (
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::DomainNameV2",
    "AWS::ApiGatewayV2::DomainName",
)


@dataclass(frozen=True)
class ApiMapping:
    base_path: tuple[str, ...]  # () for the empty base path "(none)"
    api_id: str
    stage: str | None  # None: the caller names the stage (the next path segment)
    kind: Literal["rest", "http"] = "rest"


@dataclass
class CustomDomain:
    name: str
    mappings: list[ApiMapping] = field(default_factory=list)

    def resolve(self, segments: list[str]) -> tuple[ApiMapping, str, list[str]] | None:
        """(mapping, stage, the API's own path segments), or None (AWS: 403 Forbidden)."""
        for mapping in self.mappings:  # longest base path first
            size = len(mapping.base_path)
            if tuple(segments[:size]) != mapping.base_path:
                continue
            rest = segments[size:]
            if mapping.stage is not None:
                return mapping, mapping.stage, rest
            if rest and rest[0]:
                return mapping, rest[0], rest[1:]
            return None
        return None


def split_base_path(value: object) -> tuple[str, ...]:
    text = str(value or "").strip("/")
    if not text or text == NONE:
        return ()
    return tuple(text.split("/"))


def _stage(value: object) -> str | None:
    text = str(value or "")
    return None if not text or text == NONE else text


def domain_from_arn(arn: str) -> str:
    """arn:aws:apigateway:{region}:{account}:/domainnames/{name}[+{id}] -> name."""
    tail = arn.split(":/domainnames/", 1)[-1]
    return tail.split("+", 1)[0].lower()


def compile_domains(deployment: Deployment, http_api_ids: set[str]) -> dict[str, CustomDomain]:
    """Custom domains by lower-cased name, each with its mappings longest base path first."""
    domains: dict[str, CustomDomain] = {}
    for kind in DOMAIN_TYPES:
        for res in deployment.resources(kind):
            name = str(res.properties.get("DomainName") or res.physical_id).lower()
            domains.setdefault(name, CustomDomain(name))
    for res in deployment.resources():
        props = res.properties
        if res.type == "AWS::ApiGateway::BasePathMapping":
            domain = str(props.get("DomainName", "")).lower()
            mapping = ApiMapping(
                split_base_path(props.get("BasePath")),
                str(props.get("RestApiId")),
                _stage(props.get("Stage")),
            )
        elif res.type == "AWS::ApiGateway::BasePathMappingV2":
            domain = domain_from_arn(str(props.get("DomainNameArn", "")))
            mapping = ApiMapping(
                split_base_path(props.get("BasePath")),
                str(props.get("RestApiId")),
                _stage(props.get("Stage")),
            )
        elif res.type == "AWS::ApiGatewayV2::ApiMapping":
            domain = str(props.get("DomainName", "")).lower()
            api_id = str(props.get("ApiId"))
            mapping = ApiMapping(
                split_base_path(props.get("ApiMappingKey")),
                api_id,
                _stage(props.get("Stage")),
                "http" if api_id in http_api_ids else "rest",
            )
        else:
            continue
        domains.setdefault(domain, CustomDomain(domain)).mappings.append(mapping)
    for custom in domains.values():
        custom.mappings.sort(key=lambda m: len(m.base_path), reverse=True)
    return domains


def split_alias(path: str) -> tuple[str, str] | None:
    """`/_stratus/domains/<name>/<rest>` -> (name lower-cased, "/<rest>"); else None."""
    if not path.startswith(ALIAS_PREFIX):
        return None
    name, _, rest = path[len(ALIAS_PREFIX) :].partition("/")
    return (name.lower(), "/" + rest) if name else None


def host_name(host: str) -> str:
    """The Host header without its port, lower-cased ("[::1]:443" -> "[::1]")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host
