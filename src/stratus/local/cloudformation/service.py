"""CloudFormation: stack reads answered from the provisioned deployment, and the ResponseURL
that Lambda-backed custom resources PUT their answer to (on AWS a pre-signed S3 URL;
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.responses import Response

from stratus.local.cloudformation import controlplane as cloudformation
from stratus.local.cloudformation.custom.responses import CustomResourceResponses
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook, PathRoute
from stratus.local.provision.model import Deployment

RESPONSE_PATH = "/_stratus/cloudformation/responses"


class CloudFormationService(EmulatedService):
    name = "cloudformation"
    order = 1

    def __init__(self) -> None:
        self.responses = CustomResourceResponses()
        self.deployment: Deployment | None = None

    def hooks(self) -> Iterable[Hook]:
        table = cloudformation.operations(lambda: self.deployment)
        return [Hook("cloudformation", op, before=handler) for op, handler in table.items()]

    def paths(self) -> Iterable[PathRoute]:
        async def answer(request: AwsRequest) -> Response | None:
            request_id = request.path.rstrip("/").rsplit("/", 1)[-1]
            return Response(status_code=self.responses.submit(request_id, request.body))

        return [PathRoute(frozenset({"PUT"}), rf"^{RESPONSE_PATH}/[^/]+$", answer)]

    async def prepare(self, cloud: CloudContext) -> None:
        self.responses.base_url = cloud.settings.aws_endpoint + RESPONSE_PATH

    async def start(self, cloud: CloudContext) -> None:
        self.deployment = cloud.require_deployment()


SERVICES = [CloudFormationService]
