"""CodeDeploy for Lambda as an emulated service.

When `up` provisions an AWS::Lambda::Alias whose UpdatePolicy has CodeDeployLambdaAliasUpdate
and the alias's version changed since the last run, CloudFormation does not re-point the
alias itself: it starts a deployment of the named application and group, which shifts the
alias's traffic by the group's configuration
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html#cfn-attributes-updatepolicy-codedeploylambdaaliasupdate).
Here, right after Lambda registered the aliases (order 11, before anything serves them), such
an alias is put back on the version it served and a deployment (`engine`) runs in the
background, reporting its progress on the `up` console. A first creation points the alias
directly, as on AWS. A deployment the cloud stopped in the middle starts again on the next
`up`; one whose target changed meanwhile is stopped and a new one starts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.codedeploy.api import Operation, operations
from stratus.local.codedeploy.engine import Engine
from stratus.local.codedeploy.providers import (
    ApplicationProvider,
    DeploymentConfigProvider,
    DeploymentGroupProvider,
)
from stratus.local.codedeploy.store import (
    DONE,
    STOPPED,
    SUCCEEDED,
    CodeDeployStore,
    Deployment,
    alias_key,
    new_deployment_id,
)
from stratus.local.codedeploy.target import LocalTarget, function_name
from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext, Reporter
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.provision.model import Deployment as Provisioned
from stratus.local.provision.provider import Provider

UPDATE_POLICY = "CodeDeployLambdaAliasUpdate"


class CodeDeployService(EmulatedService):
    name = "codedeploy"
    order = 11  # right after Lambda registered its aliases, before anything invokes them
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::CodeDeploy::Application": ApplicationProvider(),
        "AWS::CodeDeploy::DeploymentGroup": DeploymentGroupProvider(),
        "AWS::CodeDeploy::DeploymentConfig": DeploymentConfigProvider(),
    }

    def __init__(self) -> None:
        self.store: CodeDeployStore | None = None
        self.engine: Engine | None = None
        self._operations: dict[str, Operation] = {}

    def hooks(self) -> Iterable[Hook]:
        async def answer(call: AwsCall) -> Response | None:
            handler = self._operations.get(call.operation or "")
            if handler is not None:
                return await handler(call)
            return call.error(
                "UnsupportedActionException",
                f"The local CodeDeploy runs the templates' Lambda deployments; "
                f"{call.operation} is not emulated "
                f"(answered: {', '.join(sorted(self._operations))})",
            )

        return [Hook("codedeploy", None, before=answer)]

    async def prepare(self, cloud: CloudContext) -> None:
        root = cloud.settings.snapshot_dir / "codedeploy"
        CodeDeployStore.forget(root)  # `--fresh` may have wiped the directory
        self.store = CodeDeployStore.for_dir(root)

    async def start(self, cloud: CloudContext) -> None:
        from stratus.local.cloud import aws_client_factory
        from stratus.local.lambda_runtime.service import LambdaService

        assert self.store is not None
        runtime = cloud.service(LambdaService).runtime
        cache: dict[str, Any] = {}

        def clients(region: str) -> Any:
            if region not in cache:
                cache[region] = aws_client_factory(cloud.settings, region)
            return cache[region]

        target = LocalTarget(runtime, clients, cloud.reporter)
        self.engine = engine = Engine(self.store, target, scale=cloud.settings.deploy_time_scale)
        store = self.store

        def launch(dep: Deployment) -> str | None:
            """CreateDeployment: the alias must serve CurrentVersion, both versions exist."""
            problem = target.check(dep)
            if problem is None:
                store.add(dep)
                target.route(dep, 0.0)
                cloud.background(engine.run(dep), f"codedeploy-{dep.id}")
            return problem

        self._operations = operations(self.store, engine, launch if runtime else None)
        if runtime is None:
            return
        runs, pins = self._plan(cloud.require_deployment(), cloud.reporter)
        for function, alias, version in pins:  # a change that failed before: not retried
            target.pin(function, alias, version)
        for dep in runs:
            target.route(dep, 0.0)  # now, before any invoke can reach the new version
            cloud.background(engine.run(dep), f"codedeploy-{dep.id}")

    def _plan(
        self, provisioned: Provisioned, reporter: Reporter
    ) -> tuple[list[Deployment], list[tuple[str, str, str]]]:
        """The deployments to run now (new ones for aliases whose version changed, and
        those a stop interrupted), and the aliases to keep on their live version."""
        assert self.store is not None
        store: CodeDeployStore = self.store
        runs: list[Deployment] = []
        pins: list[tuple[str, str, str]] = []
        for resource in provisioned.resources("AWS::Lambda::Alias"):
            policy = resource.update_policy.get(UPDATE_POLICY)
            if not isinstance(policy, dict):
                continue
            region = provisioned.stacks[resource.stack].region
            props = resource.properties
            function, alias = function_name(props.get("FunctionName")), str(props.get("Name"))
            wanted = str(props.get("FunctionVersion"))
            key = alias_key(region, function, alias)
            live = store.aliases.get(key)
            if live is None:  # created: CloudFormation points a new alias directly
                store.set_alias(key, wanted)
                continue
            app = str(policy.get("ApplicationName") or "")
            group = str(policy.get("DeploymentGroupName") or "")
            record = store.group(region, app, group)
            if record is None:
                reporter.warn(
                    f"{resource.stack}/{resource.logical_id}: deployment group {app}/{group} "
                    "is not provisioned; the alias is updated without a deployment"
                )
                store.set_alias(key, wanted)
                continue
            resumed = self._interrupted(region, function, alias, live, wanted)
            if resumed is not None:
                reporter.info(f"deployment {resumed.id} was interrupted: running it again")
                runs.append(resumed)
                continue
            if live == wanted:
                continue
            failed = self._failed_before(region, function, alias, live, wanted)
            if failed is not None:
                reporter.warn(
                    f"{function}:{alias} stays on version {live}: deployment {failed.id} of "
                    f"version {wanted} ended {failed.status}; change the code to deploy again"
                )
                pins.append((function, alias, live))
                continue
            dep = Deployment(
                id=new_deployment_id(),
                region=region,
                application=app,
                group=group,
                config=str(
                    record["properties"].get("DeploymentConfigName")
                    or "CodeDeployDefault.LambdaAllAtOnce"
                ),
                function=function,
                alias=alias,
                current=live,
                target=wanted,
                before_hook=function_name(policy.get("BeforeAllowTrafficHook")),
                after_hook=function_name(policy.get("AfterAllowTrafficHook")),
                logical_id=resource.logical_id,
            )
            store.add(dep)
            runs.append(dep)
        return runs, pins

    def _failed_before(
        self, region: str, function: str, alias: str, live: str, wanted: str
    ) -> Deployment | None:
        """The last deployment of this very change, if it did not succeed: the stack was
        rolled back (AWS: UPDATE_ROLLBACK_COMPLETE), so the same assembly does not retry."""
        assert self.store is not None
        mine = [
            d
            for d in self.store.deployments.values()
            if (d.region, d.function, d.alias) == (region, function, alias)
            and d.creator != "codeDeployRollback"
        ]
        last = max(mine, key=lambda d: d.created, default=None)
        if last is not None and (last.current, last.target) == (live, wanted):
            return last if last.status in DONE and last.status != SUCCEEDED else None
        return None

    def _interrupted(
        self, region: str, function: str, alias: str, live: str, wanted: str
    ) -> Deployment | None:
        assert self.store is not None
        found = None
        for dep in list(self.store.deployments.values()):
            if dep.status in DONE or (dep.region, dep.function, dep.alias) != (
                region,
                function,
                alias,
            ):
                continue
            if (dep.current, dep.target) == (live, wanted) and found is None:
                found = dep
                continue
            dep.status, dep.completed = STOPPED, time.time()
            message = "Stopped: the stack changed the alias again before it finished"
            dep.error = {"code": "MANUAL_STOP", "message": message}
            dep.messages.append(message)
            self.store.save()
        return found

    def describe(self) -> Mapping[str, Any]:
        if self.engine is None:
            return {}
        return {"deployments": f"traffic shifting at {self.engine.scale:g}x speed"}


SERVICES = [CodeDeployService]
