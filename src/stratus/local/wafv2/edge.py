"""A CLOUDFRONT web ACL on a distribution: the edge's viewer filter.

The edge calls the filter with the viewer request before the behaviour's Lambda@Edge and
the cache. A block answers with CloudFront's own 403 error page ("Request blocked."), as
CloudFront does when WAF blocks (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-403-permission-denied.html),
or with the ACL's custom response; Allow and Count may insert `x-amzn-waf-*` headers
into the request the origin sees (waf-custom-request-headers.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response

from stratus.local.cloudfront import respond
from stratus.local.cloudfront.config import Distribution
from stratus.local.cloudfront.edge_lambda import ViewerRequest
from stratus.local.wafv2.request import WafRequest

if TYPE_CHECKING:
    from stratus.local.wafv2.service import AclRuntime

BLOCKED = (
    "Request blocked. We can't connect to the server for this app or website at this time. "
    "There might be too much traffic or a configuration error. Try again later, or contact "
    "the app or website owner."
)


def blocked_page(dist: Distribution) -> Response:
    cf_id = respond.request_id()
    return Response(
        respond.error_page(403, BLOCKED, cf_id),
        status_code=403,
        headers={
            "content-type": "text/html",
            "x-cache": "Error from cloudfront",
            "via": respond.via(dist.id),
            "x-amz-cf-pop": respond.POP,
            "x-amz-cf-id": cf_id,
        },
    )


def attach(dist: Distribution, runtime: AclRuntime) -> None:
    from stratus.local.wafv2.service import block_response

    async def waf_filter(viewer: ViewerRequest) -> Response | None:
        request = WafRequest(
            method=viewer.method,
            uri=viewer.uri,
            query=viewer.querystring,
            headers=list(viewer.headers),
            client_ip=viewer.client_ip,
            body=viewer.body,
        )
        verdict = runtime.check(request)
        if verdict.action == "ALLOW":
            viewer.headers.extend(verdict.insert_headers)
            return None
        return block_response(verdict, blocked_page(dist))

    dist.viewer_filters.append(waf_filter)
