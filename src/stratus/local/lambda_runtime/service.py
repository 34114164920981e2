"""Lambda as an emulated service: functions, versions, aliases and layers run by the local
runtime; Invoke and the control-plane reads answered here, the rest left to moto."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.contracts import FunctionNotFoundError, InvokeResult
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.lambda_runtime.api import Operation, operations
from stratus.local.lambda_runtime.logs import CloudWatchLogSink, in_process_logs
from stratus.local.lambda_runtime.metrics import InvocationMetrics
from stratus.local.lambda_runtime.recorded import (
    AliasProvider,
    EventSourceMappingProvider,
    FunctionProvider,
    FunctionVersionProvider,
    LayerVersionProvider,
)
from stratus.local.lambda_runtime.runtime import LambdaRuntime, asset_dir_of
from stratus.local.provision.model import Deployment, Resource
from stratus.local.provision.provider import Provider
from stratus.local.provision.recorded import GeneratedIdProvider


class LambdaService(EmulatedService):
    name = "lambda"
    order = 10
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Lambda::Function": FunctionProvider(),
        "AWS::Lambda::Permission": GeneratedIdProvider(20),
        "AWS::Lambda::Version": FunctionVersionProvider(),
        "AWS::Lambda::Alias": AliasProvider(),
        "AWS::Lambda::LayerVersion": LayerVersionProvider(),
        "AWS::Lambda::LayerVersionPermission": GeneratedIdProvider(20),
        "AWS::Lambda::EventInvokeConfig": GeneratedIdProvider(20),
        "AWS::Lambda::EventSourceMapping": EventSourceMappingProvider(),
    }

    def __init__(self) -> None:
        self.runtime: LambdaRuntime | None = None
        self.log_sink: CloudWatchLogSink | None = None
        self._operations: dict[str, Operation] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def hooks(self) -> Iterable[Hook]:
        async def answer(call: AwsCall) -> Response | None:
            handler = self._operations.get(call.operation or "")
            return None if handler is None else await handler(call)

        return [Hook("lambda", None, before=answer)]

    async def prepare(self, cloud: CloudContext) -> None:
        # Before provisioning, so resources that run code while provisioning can invoke.
        self.log_sink = CloudWatchLogSink(in_process_logs(cloud))
        self.runtime = LambdaRuntime(
            cloud.settings,
            cloud.credentials,
            log_sink=self.log_sink,
            policies_for_role=cloud.policies_for_role,
        )
        self.runtime.metrics = InvocationMetrics(cloud.metrics, cloud.settings.region)
        self._operations = operations(self.runtime)
        self._loop = asyncio.get_running_loop()

    async def start(self, cloud: CloudContext) -> None:
        assert self.runtime is not None
        with cloud.reporter.step("Starting the Lambda runtime"):
            problems = self.runtime.register_deployment(cloud.require_deployment())
            self.runtime.start_spares()
            again = self.runtime.redeliver_events()
        if again:
            cloud.reporter.info(
                f"running again {again} Event invocation(s) accepted before the stop"
            )
        for problem in problems:
            cloud.reporter.warn(problem)

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
            if resource is None or deployment is None:
                raise
            self.runtime.register(resource, asset_dir_of(deployment, resource))
        return await self.runtime.invoke(function_arn, payload)

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.aclose()
        if self.log_sink is not None:
            # In a thread: shipping goes through the AWS endpoint on this same event loop,
            # which stops only after every service (so no log event is dropped).
            await asyncio.to_thread(self.log_sink.close)

    def describe(self) -> dict[str, Any]:
        return {"functions": 0 if self.runtime is None else len(self.runtime.functions())}


def _function_resource(deployment: Deployment | None, arn: str) -> Resource | None:
    if deployment is None:
        return None
    base = arn.split(":function:", 1)[-1].split(":", 1)[0]
    for resource in deployment.resources("AWS::Lambda::Function"):
        if resource.attributes.get("Arn") == arn or resource.physical_id in (arn, base):
            return resource
    return None


SERVICES = [LambdaService]
