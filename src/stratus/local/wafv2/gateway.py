"""A REGIONAL web ACL on an API Gateway REST API stage: the gateway's stage filter.

`AWS::WAFv2::WebACLAssociation` names the stage by its ARN
(`arn:aws:apigateway:<region>::/restapis/<api id>/stages/<stage>`). The gateway runs the
filter on every request to the stage before its routes, resource policy and authorizers,
as AWS does (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html).
A block answers with the gateway response WAF_FILTERED (403 `{"message":"Forbidden"}`,
which a GatewayResponse may override), or with the ACL's custom response; Allow and Count
may insert `x-amzn-waf-*` headers into the request the integration sees.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from stratus.local.gateway import errors as E
from stratus.local.gateway.proxy import RequestInfo
from stratus.local.wafv2.request import WafRequest

if TYPE_CHECKING:
    from stratus.local.wafv2.service import AclRuntime

_STAGE_ARN = re.compile(r"^arn:aws[\w-]*:apigateway:[\w-]+::/restapis/([^/]+)/stages/([^/]+)$")


def stage_of(resource_arn: str) -> tuple[str, str] | None:
    """(api id, stage name) of a REST API stage ARN; None for anything else."""
    found = _STAGE_ARN.match(resource_arn)
    return (found.group(1), found.group(2)) if found else None


def stage_filter(runtime: AclRuntime) -> Any:
    def check(
        req: RequestInfo, raw_path: str, query: str
    ) -> E.GatewayError | tuple[int, list[tuple[str, str]], bytes] | None:
        verdict = runtime.check(
            WafRequest(
                method=req.method,
                uri=raw_path,
                query=query,
                headers=list(req.headers),
                client_ip=req.source_ip,
                body=req.body,
            )
        )
        if verdict.action == "ALLOW":
            req.headers.extend(verdict.insert_headers)
            return None
        plain_block = verdict.status == 403 and not verdict.body and not verdict.headers
        if verdict.action == "BLOCK" and plain_block:
            return E.WAF_FILTERED
        headers = list(verdict.headers)
        if verdict.content_type:
            headers.append(("content-type", verdict.content_type))
        return verdict.status, headers, verdict.body

    return check
