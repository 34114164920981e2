"""Lambda as an emulated service: functions run by the local runtime, Invoke answered here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from stratus.local.contracts import FunctionNotFoundError, InvokeResult
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.lambda_runtime.api import lambda_api
from stratus.local.lambda_runtime.logs import CloudWatchLogSink
from stratus.local.lambda_runtime.runtime import LambdaRuntime
from stratus.local.model import Deployment, Resource
from stratus.local.providers import recorded
from stratus.local.providers.base import Provider


class LambdaService(EmulatedService):
    name = "lambda"
    order = 10
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Lambda::Function": recorded.FunctionProvider(),
        "AWS::Lambda::Permission": recorded.GeneratedIdProvider(20),
        "AWS::Lambda::Version": recorded.FunctionVersionProvider(),
        "AWS::Lambda::Alias": recorded.AliasProvider(),
        "AWS::Lambda::EventSourceMapping": recorded.GeneratedIdProvider(32, "Id"),
    }

    def __init__(self) -> None:
        self.runtime: LambdaRuntime | None = None
        self.log_sink: CloudWatchLogSink | None = None
        self._invoke: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def hooks(self) -> Iterable[Hook]:
        async def invoke(call: Any) -> Any:
            return None if self._invoke is None else await self._invoke(call.request)

        return [Hook("lambda", "Invoke", before=invoke)]

    async def prepare(self, cloud: CloudContext) -> None:
        # Before provisioning, so resources that run code while provisioning can invoke.
        self.log_sink = CloudWatchLogSink(lambda: cloud.aws("logs"))
        self.runtime = LambdaRuntime(
            cloud.settings,
            cloud.credentials,
            log_sink=self.log_sink,
            policies_for_role=cloud.policies_for_role,
        )
        self._invoke = lambda_api(self.runtime)
        self._loop = asyncio.get_running_loop()

    def invoke_while_provisioning(
        self, deployment: Deployment | None, function_arn: str, payload: bytes
    ) -> InvokeResult:
        """Run a function from the provisioning thread (custom resources), blocking until it
        returns; a function created moments earlier in the same run is registered first."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(
            self._invoke_provisioned(deployment, function_arn, payload), self._loop
        )
        return future.result()

    async def _invoke_provisioned(
        self, deployment: Deployment | None, function_arn: str, payload: bytes
    ) -> InvokeResult:
        assert self.runtime is not None
        try:
            self.runtime.get(function_arn)
        except FunctionNotFoundError:
            resource = _function_resource(deployment, function_arn)
            if resource is None:
                raise
            self._register(deployment, resource)
        return await self.runtime.invoke(function_arn, payload)

    def _register(self, deployment: Deployment | None, resource: Resource) -> bool:
        assert self.runtime is not None
        stack = deployment.stacks.get(resource.stack) if deployment is not None else None
        asset = resource.metadata.get("aws:asset:path")
        if asset is None or stack is None or stack.assembly_dir is None:
            return False
        self.runtime.register(resource, stack.assembly_dir / asset)
        return True

    async def start(self, cloud: CloudContext) -> None:
        assert self.runtime is not None
        deployment = cloud.require_deployment()
        with cloud.reporter.step("Starting the Lambda runtime"):
            for resource in deployment.resources("AWS::Lambda::Function"):
                if not self._register(deployment, resource):
                    cloud.reporter.warn(
                        f"{resource.stack}/{resource.logical_id}: no code asset, not runnable"
                    )

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.aclose()
        if self.log_sink is not None:
            # In a thread: shipping goes through the AWS endpoint on this same event loop,
            # which stops only after every service (so no log event is dropped).
            await asyncio.to_thread(self.log_sink.close)

    def describe(self) -> dict[str, Any]:
        count = 0 if self.runtime is None else len(self.runtime.stats())
        return {"functions": count}


def _function_resource(deployment: Deployment | None, arn: str) -> Resource | None:
    if deployment is None:
        return None
    base = arn.split(":function:", 1)[-1].split(":", 1)[0]
    for resource in deployment.resources("AWS::Lambda::Function"):
        if resource.attributes.get("Arn") == arn or resource.physical_id in (arn, base):
            return resource
    return None


SERVICES = [LambdaService]
