"""Lambda as an emulated service: functions run by the local runtime, Invoke answered here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.lambda_runtime.api import lambda_api
from stratus.local.lambda_runtime.logs import CloudWatchLogSink
from stratus.local.lambda_runtime.runtime import LambdaRuntime
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

    async def start(self, cloud: CloudContext) -> None:
        assert self.runtime is not None
        deployment = cloud.require_deployment()
        with cloud.reporter.step("Starting the Lambda runtime"):
            for resource in deployment.resources("AWS::Lambda::Function"):
                stack = deployment.stacks[resource.stack]
                asset = resource.metadata.get("aws:asset:path")
                if asset is None or stack.assembly_dir is None:
                    cloud.reporter.warn(
                        f"{resource.stack}/{resource.logical_id}: no code asset, not runnable"
                    )
                    continue
                self.runtime.register(resource, stack.assembly_dir / asset)

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


SERVICES = [LambdaService]
