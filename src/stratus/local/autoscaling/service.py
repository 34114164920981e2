"""EC2 Auto Scaling groups that run: each group's instances are local processes.

At start, each AWS::AutoScaling::AutoScalingGroup with a launch template gets a runner
(`instances.GroupRunner`) that keeps DesiredCapacity (MinSize when unset) instances of it
running, each from the `# stratus:local-command` lines of the launch template's user data
(`userdata`), registered by instance id in the group's TargetGroupARNs through the local
elbv2 API; the local ALB reaches an instance target at the instance's loopback address
(`elbv2.targets.INSTANCE_ADDRESSES`). An instance whose process ends is replaced.

Not emulated, named at start: groups without a launch template (launch configurations,
mixed instances policies), a user data with no local command, scaling policies and
scheduled actions, lifecycle hooks, ELB health checks as a reason to replace (only an
instance that stopped running is replaced), the Auto Scaling API (DescribeAutoScalingGroups
does not list the local instances; `<state>/autoscaling/<group>/instances.json` does).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from stratus.local.autoscaling.instances import GroupRunner, GroupSpec
from stratus.local.autoscaling.providers import PROVIDERS
from stratus.local.autoscaling.userdata import UserDataError, decode, local_commands
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService
from stratus.local.elbv2.targets import INSTANCE_ADDRESSES
from stratus.local.provision.model import Deployment, Resource
from stratus.local.provision.provider import Provider

log = logging.getLogger("stratus.autoscaling")
GROUP = "AWS::AutoScaling::AutoScalingGroup"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"


class AutoScalingService(EmulatedService):
    name = "autoscaling"
    order = 56  # after the load balancers its instances register in
    providers: ClassVar[Mapping[str, Provider]] = PROVIDERS

    def __init__(self) -> None:
        self.runners: dict[str, GroupRunner] = {}

    async def start(self, cloud: CloudContext) -> None:
        deployment = cloud.require_deployment()
        elbv2 = cloud.aws("elbv2")

        def targets(arn: str, instance_id: str, port: int, register: bool) -> None:
            call = elbv2.register_targets if register else elbv2.deregister_targets
            call(TargetGroupArn=arn, Targets=[{"Id": instance_id, "Port": port}])

        for resource in deployment.resources(GROUP):
            try:
                spec = group_spec(cloud, deployment, resource)
            except UserDataError as exc:
                cloud.reporter.warn(f"Auto Scaling group {resource.logical_id}: {exc}")
                continue
            if spec is None:
                continue
            # Instances of an earlier run are gone (they stop with the cloud): their targets go.
            await asyncio.to_thread(_forget_instances, elbv2, spec.target_groups)
            runner = GroupRunner(spec, INSTANCE_ADDRESSES, targets)
            self.runners[spec.name] = runner
            cloud.background(runner.run(), f"asg-{spec.name}")
            cloud.reporter.info(
                f"Auto Scaling group {spec.name}: {spec.desired} instance(s) as local processes"
            )

    async def stop(self) -> None:
        await asyncio.gather(*(r.close() for r in self.runners.values()), return_exceptions=True)

    def describe(self) -> Mapping[str, Any]:
        return {name: len(r.instances) for name, r in self.runners.items()}


def _forget_instances(elbv2: Any, target_groups: list[tuple[str, int]]) -> None:
    for arn, _ in target_groups:
        rows = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        stale = [r["Target"] for r in rows if str(r["Target"]["Id"]).startswith("i-")]
        if stale:
            elbv2.deregister_targets(TargetGroupArn=arn, Targets=stale)


def group_spec(cloud: CloudContext, deployment: Deployment, group: Resource) -> GroupSpec | None:
    props = group.properties
    where = f"{group.stack}/{group.logical_id}"
    template_ref = props.get("LaunchTemplate") or {}
    template_id = str(template_ref.get("LaunchTemplateId") or "")
    template = deployment.by_physical_id(LAUNCH_TEMPLATE, template_id) if template_id else None
    if template is None:
        cloud.reporter.warn(
            f"Auto Scaling group {where}: only groups with a LaunchTemplate run locally"
        )
        return None
    data = template.properties.get("LaunchTemplateData") or {}
    script = decode(str(data.get("UserData") or ""))
    if not local_commands(script, {}):
        cloud.reporter.warn(
            f"Auto Scaling group {where}: its user data has no '# stratus:local-command' line;"
            " no instance runs locally"
        )
        return None
    groups: list[tuple[str, int]] = []
    for arn in props.get("TargetGroupARNs") or []:
        found = deployment.by_physical_id(TARGET_GROUP, str(arn))
        port = int((found.properties if found else {}).get("Port") or 80)
        groups.append((str(arn), port))
    desired = props.get("DesiredCapacity")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(group.physical_id))
    return GroupSpec(
        name=str(group.physical_id),
        desired=int(desired if desired is not None else props.get("MinSize") or 0),
        commands=lambda env: local_commands(script, env),
        target_groups=groups,
        data_dir=cloud.settings.state_dir / "autoscaling" / safe,
    )


SERVICES = [AutoScalingService]
