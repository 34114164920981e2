"""Any other custom resource: CloudFormation's request to the function (or topic) named by
ServiceToken, and the response it PUTs to the ResponseURL.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources.html:
Create, Update (with OldResourceProperties; an answer with another PhysicalResourceId is a
replacement, and the old one gets a Delete after the stack's update) and Delete; Fn::GetAtt
reads the answer's Data. CloudFormation waits up to an hour for an answer; here the call is
synchronous, so a function that returned (or failed) without answering fails at once, with
the function's error as the reason, and a topic's subscriber gets `ServiceTimeout` seconds
(default 60).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from stratus.local.cloudformation.custom.native import CustomResourceFailed
from stratus.local.cloudformation.custom.responses import CustomResourceResponse
from stratus.local.events.shapes.cloudformation import request as cloudformation_request
from stratus.local.provision.provider import Attributes, Provider, ProviderContext

TOPIC_WAIT_S = 60.0


class LambdaBackedProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        answer = self._request(ctx, "Create", props)
        return answer.physical_resource_id, dict(answer.data)

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        answer = self._request(ctx, "Update", props, physical_id, ctx.old_properties or {})
        return answer.physical_resource_id, dict(answer.data)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        self._request(ctx, "Delete", ctx.old_properties or {}, physical_id)

    def _request(
        self,
        ctx: ProviderContext,
        request_type: str,
        props: dict[str, Any],
        physical_id: str | None = None,
        old: dict[str, Any] | None = None,
    ) -> CustomResourceResponse:
        services = ctx.services
        token = str(props.get("ServiceToken") or "")
        if not token:
            raise CustomResourceFailed("ServiceToken is required")
        if services is None or services.responses is None:
            raise CustomResourceFailed("custom resources need a ResponseURL collector here")
        request_id = str(uuid.uuid4())
        url = services.responses.url_for(
            request_id, stack_id=ctx.stack_id, logical_id=ctx.logical_id
        )
        event = cloudformation_request(
            request_type,  # type: ignore[arg-type]
            service_token=token,
            response_url=url,
            stack_id=ctx.stack_id,
            request_id=request_id,
            resource_type=ctx.resource_type,
            logical_resource_id=ctx.logical_id,
            properties=props,
            physical_resource_id=physical_id,
            old_properties=(old or {}) if request_type == "Update" else None,
        )
        payload = json.dumps(event).encode()
        if token.startswith("arn:aws:sns:"):
            region = token.split(":")[3]
            ctx.aws_in("sns", region).publish(TopicArn=token, Message=payload.decode())
            wait = float(props.get("ServiceTimeout") or TOPIC_WAIT_S)
            answer = services.responses.wait(request_id, wait)
            if answer is None:
                raise CustomResourceFailed(
                    f"no response to the {request_type} request within {wait:.0f} s (topic {token})"
                )
        else:
            if services.invoke is None:
                raise CustomResourceFailed("no Lambda runtime to invoke the ServiceToken with")
            outcome = services.invoke(token, payload)
            answer = services.responses.wait(request_id, services.response_margin_s)
            if answer is None:
                detail = _error(outcome.payload) if outcome.function_error else "it returned"
                raise CustomResourceFailed(
                    f"{token} did not answer the {request_type} request on its ResponseURL "
                    f"({detail})"
                )
        if not answer.ok:
            raise CustomResourceFailed(answer.reason)
        return answer


def _error(payload: bytes) -> str:
    try:
        body = json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")[:500]
    if isinstance(body, dict):
        return f"{body.get('errorType', 'Error')}: {body.get('errorMessage', '')}"
    return str(body)[:500]
